internal import CCurl

/// The one place that decides what each libcurl return code means.
///
/// - A transfer's `CURLcode` becomes a ``TransportError/Kind`` (``kind(of:)``); for a failed
///   transfer ``classify(_:)`` refines it with libcurl's and OpenSSL's evidence (the TLS reason)
///   and decides its ``TransportError/Delivery`` from whether libcurl got as far as sending.
/// - A `curl_easy_setopt` failure is an invalid request, thrown to the caller.
/// - A `CURLMcode` is either fine, ignorable (`CURLM_BAD_SOCKET`: the socket went away between
///   the event and its handling, as in curl's `ephiperfifo.c`), or fatal for the multi handle.
///   Handle misuse (`CURLM_BAD_HANDLE`, `CURLM_BAD_EASY_HANDLE`, `CURLM_ADDED_ALREADY`) is a
///   bug in this target, which no input can cause, and stops the process with a precondition.
enum CurlCodes {
    /// The kind of failure a transfer's result code stands for.
    static func kind(of code: CURLcode) -> TransportError.Kind {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            .couldNotResolve
        case CURLE_COULDNT_CONNECT:
            .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT:
            // No CURLOPT_TIMEOUT is set (deadlines are the transport's own timers), so the only
            // timeout libcurl enforces is the connect timeout.
            .connectTimeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE,
            CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED:
            .tls
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE,
            CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_SHUTDOWN_FAILED:
            .connectionClosed
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING, CURLE_UNSUPPORTED_PROTOCOL:
            .malformedResponse
        case CURLE_FILESIZE_EXCEEDED:
            .responseTooLarge
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
            CURLE_NOT_BUILT_IN, CURLE_LOGIN_DENIED:
            .invalidRequest
        default:
            .other
        }
    }

    /// Whether a failed transfer can have reached the server.
    ///
    /// libcurl calls `CURLOPT_PREREQFUNCTION` once per attempt, after the connection (and
    /// TLS) is up and before the request is sent. A transfer for which it was never called
    /// cannot have sent anything, whatever its error code; one for which it was called may
    /// have, even when the final error is a refused reconnect (libcurl's silent re-send).
    /// Failures libcurl reports are decided more finely by ``delivery(of:refusedHandshake:)``;
    /// this one serves the failures the transport decides itself (timers, callbacks, shutdown).
    static func delivery(requestAttempts: Int) -> TransportError.Delivery {
        requestAttempts == 0 ? .notSent : .possiblySent
    }

    /// libcurl's text for `code`.
    static func description(of code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    /// What the multi driver must do after a `CURLMcode`.
    enum MultiDisposition: Equatable {
        case ok
        case ignore
        case fatal(String)
    }

    static func disposition(of code: CURLMcode, in call: StaticString) -> MultiDisposition {
        switch code {
        case CURLM_OK:
            return .ok
        case CURLM_BAD_SOCKET:
            return .ignore
        case CURLM_BAD_HANDLE, CURLM_BAD_EASY_HANDLE, CURLM_ADDED_ALREADY, CURLM_RECURSIVE_API_CALL:
            preconditionFailure("\(call): \(String(cString: curl_multi_strerror(code))) — a bug in CurlTransport")
        default:
            return .fatal("\(call): \(String(cString: curl_multi_strerror(code)))")
        }
    }
}
