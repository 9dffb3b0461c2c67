internal import CCurl

/// The options of a handle that stay the same from one transfer to the next as long as these
/// do: a handle configured for the same profile is reused without `curl_easy_reset`, setting
/// only what each request changes (as one would reuse a handle with `curl_easy_perform`).
struct EasyHandleProfile: Equatable {
    var isLongPoll: Bool
    var isTLS: Bool
    var credentials: BasicCredentials?
    var cappedAtTLS12: Bool
}

extension Transfer {
    var handleProfile: EasyHandleProfile {
        EasyHandleProfile(
            isLongPoll: request.isLongPoll, isTLS: request.isTLS, credentials: request.credentials,
            cappedAtTLS12: failureBeforeTLS12Retry != nil)
    }

    /// Sets every option of `handle` for this transfer. `driver` is the opaque pointer of the
    /// ``MultiDriver`` that owns the handle, for the socket-level callbacks.
    ///
    /// A handle last configured for the same ``EasyHandleProfile`` (by a transfer that
    /// succeeded: only those are recycled) keeps its constant options, and only the request's
    /// own are set; any other handle is reset and configured from scratch.
    ///
    /// `proxyInEnvironment` is the transport's one reading of the proxy variables: without a
    /// proxy there, `CURLOPT_PROXY` and `CURLOPT_NOPROXY` are set to `""`, which spares libcurl reading the
    /// environment again for every request.
    func configure(
        _ handle: EasyHandle,
        configuration: TransportConfiguration,
        driver: UnsafeMutableRawPointer,
        proxyInEnvironment: Bool
    ) throws(SetoptFailure) {
        let profile = handleProfile
        if handle.profile == profile {
            try configureRequest(handle)
            maxBodyBytes = configuration.maxResponseBodyBytes
            return
        }
        if handle.profile != nil { handle.reset() }
        handle.profile = nil  // until every option below is set
        try configureRequest(handle)
        try handle.set(CURLOPT_PROTOCOLS_STR, "http,https")
        if !proxyInEnvironment {
            // Both, or libcurl still reads `no_proxy` and `NO_PROXY` for every request.
            try handle.set(CURLOPT_PROXY, "")
            try handle.set(CURLOPT_NOPROXY, "")
        }
        try handle.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(handle.errorBuffer))
        try handle.set(CURLOPT_NOSIGNAL, 1)
        // HTTP/1.1 only: one connection per request in flight, so one broken connection never
        // takes several watches with it (h2 would multiplex them over TLS).
        try handle.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)

        try handle.check(ccurl_easy_setopt_data_callback(handle.raw, CURLOPT_WRITEFUNCTION, transferWriteCallback), CURLOPT_WRITEFUNCTION)
        try handle.check(ccurl_easy_setopt_data_callback(handle.raw, CURLOPT_HEADERFUNCTION, transferHeaderCallback), CURLOPT_HEADERFUNCTION)
        try handle.check(ccurl_easy_setopt_prereq_callback(handle.raw, transferPrereqCallback), CURLOPT_PREREQFUNCTION)
        try handle.check(ccurl_easy_setopt_closesocket_callback(handle.raw, driverCloseSocketCallback), CURLOPT_CLOSESOCKETFUNCTION)
        try handle.set(CURLOPT_CLOSESOCKETDATA, pointer: driver)
        try handle.check(ccurl_easy_setopt_sockopt_callback(handle.raw, driverSockoptCallback), CURLOPT_SOCKOPTFUNCTION)
        try handle.set(CURLOPT_SOCKOPTDATA, pointer: driver)

        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.millisecondsRoundedUp)
        try handle.set(CURLOPT_TCP_KEEPALIVE, 1)
        try handle.set(CURLOPT_TCP_KEEPIDLE, max(1, Int(configuration.keepAliveIdle.components.seconds)))
        try handle.set(CURLOPT_TCP_KEEPINTVL, max(1, Int(configuration.keepAliveInterval.components.seconds)))
        try handle.set(
            CURLOPT_BUFFERSIZE,
            request.isLongPoll ? configuration.longPollReceiveBufferBytes : configuration.receiveBufferBytes
        )

        try configureSecurity(handle, tls: configuration.tls)
        maxBodyBytes = configuration.maxResponseBodyBytes
        handle.profile = profile
    }

    /// What every request sets, on a fresh or a reused handle: URL, userdata, method, body
    /// and headers.
    private func configureRequest(_ handle: EasyHandle) throws(SetoptFailure) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        handle.errorBuffer[0] = 0
        try handle.setURL(endpoint: request.endpoint, pathAndQuery: request.pathAndQuery)
        try handle.set(CURLOPT_PRIVATE, pointer: me)
        try handle.set(CURLOPT_WRITEDATA, pointer: me)
        try handle.set(CURLOPT_HEADERDATA, pointer: me)
        try handle.set(CURLOPT_PREREQDATA, pointer: me)
        try configureMethodAndBody(handle)
        try configureHeaders(handle)
    }

    private func configureMethodAndBody(_ handle: EasyHandle) throws(SetoptFailure) {
        let sendsBody = request.sendsBody
        if request.method == handle.lastMethod, sendsBody == handle.lastHadBody {
            // The same method as the handle's last transfer (a GET after a GET, a PUT with a
            // body after another): only a body, if any, is new.
            if sendsBody { try configureBody(handle) }
            return
        }
        handle.lastMethod = request.method
        handle.lastHadBody = sendsBody
        // Back to a plain GET first: a reused handle still has the last request's method
        // (`CURLOPT_HTTPGET` clears `NOBODY`, upload and a POST, not a custom method).
        try handle.set(CURLOPT_HTTPGET, 1)
        try handle.set(CURLOPT_CUSTOMREQUEST, pointer: nil)
        switch request.method {
        case .get:
            break
        case .head:
            try handle.set(CURLOPT_NOBODY, 1)
        case .post:
            try handle.set(CURLOPT_POST, 1)
        case .put, .delete:
            try handle.set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        if sendsBody { try configureBody(handle) }
    }

    /// `CURLOPT_POSTFIELDSIZE_LARGE` and `CURLOPT_COPYPOSTFIELDS` (which also makes the
    /// request libcurl's POST kind, under the method set before).
    private func configureBody(_ handle: EasyHandle) throws(SetoptFailure) {
        let body = request.body ?? []
        try handle.check(ccurl_easy_setopt_off_t(handle.raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), CURLOPT_POSTFIELDSIZE_LARGE)
        if body.isEmpty {
            try handle.set(CURLOPT_COPYPOSTFIELDS, "")
        } else {
            // COPYPOSTFIELDS copies the bytes, so the array need not outlive this call.
            let code = body.withUnsafeBytes { bytes in
                ccurl_easy_setopt_pointer(handle.raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
            try handle.check(code, CURLOPT_COPYPOSTFIELDS)
        }
    }

    private func configureHeaders(_ handle: EasyHandle) throws(SetoptFailure) {
        // No `Expect: 100-continue` round trip: etcd bodies are small, and the wait for
        // `100 Continue` would count against the header timeout.
        try handle.setHeaders(request.headers, suppressExpect: request.sendsBody)
    }

    /// Basic auth, and for `https://` the TLS material. libcurl verifies the server's chain
    /// (`CURLOPT_SSL_VERIFYPEER`) and host name (`CURLOPT_SSL_VERIFYHOST` = 2) by default; both
    /// are set explicitly anyway, and turned off only by
    /// ``TransportConfiguration/TLS/dangerouslySkipCertificateVerification``.
    private func configureSecurity(_ handle: EasyHandle, tls: TransportConfiguration.TLS) throws(SetoptFailure) {
        if let credentials = request.credentials {
            try handle.set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC: sent up front, no 401 round trip
            try handle.set(CURLOPT_USERNAME, credentials.username)
            try handle.set(CURLOPT_PASSWORD, credentials.password)
        }
        guard request.isTLS else { return }
        if let caFile = tls.caFile { try handle.set(CURLOPT_CAINFO, caFile) }
        if let caDirectory = tls.caDirectory { try handle.set(CURLOPT_CAPATH, caDirectory) }
        if let certificateFile = tls.certificateFile { try handle.set(CURLOPT_SSLCERT, certificateFile) }
        if let keyFile = tls.keyFile { try handle.set(CURLOPT_SSLKEY, keyFile) }
        let verify = !tls.dangerouslySkipCertificateVerification
        try handle.set(CURLOPT_SSL_VERIFYPEER, verify ? 1 : 0)
        try handle.set(CURLOPT_SSL_VERIFYHOST, verify ? 2 : 0)
        if failureBeforeTLS12Retry != nil {
            // The one retry after a server closed a TLS 1.3 connection before the request went
            // out: over TLS 1.2 a refused client certificate is reported inside the handshake.
            try handle.set(CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2)
        }
    }
}
