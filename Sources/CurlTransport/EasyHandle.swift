internal import CCurl

/// One libcurl easy handle and its error buffer, reused across transfers.
///
/// Confined to the driver's event loop, like every libcurl object here: libcurl "is thread
/// safe but has no internal thread synchronization". That confinement is the unchecked
/// `Sendable` claim (a timed-out transfer's handle is removed in a block posted to the loop).
final class EasyHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER`: libcurl writes a detailed message here when a transfer fails.
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// What the constant options were set for; `nil` for a fresh or reset handle.
    var profile: EasyHandleProfile?
    /// The method and body options last set (`nil`: none since the handle was made or reset),
    /// so that a GET after a GET sets none again.
    var lastMethod: HTTPMethod?
    var lastHadBody = false
    /// Whether `CURLOPT_HTTPHEADER` points at a list (of the last transfer).
    var hasHeaderList = false
    /// The URL being set, NUL-terminated; kept so that a request's URL costs no allocation
    /// (libcurl copies it).
    private var urlBytes: [UInt8] = []

    init?() {
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Back to a blank state, keeping the handle's allocations for the next transfer.
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
        profile = nil
        lastMethod = nil
        lastHadBody = false
        hasHeaderList = false
    }

    /// libcurl's detailed message for the last failure, or its generic text for `code`.
    func errorMessage(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? CurlCodes.description(of: code) : detail
    }

    // MARK: Options

    func set(_ option: CURLoption, _ value: Int) throws(SetoptFailure) {
        try check(ccurl_easy_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(SetoptFailure) {
        try check(ccurl_easy_setopt_string(raw, option, value), option)
    }

    /// `CURLOPT_URL` to `endpoint` followed by `pathAndQuery`, without making a `String` (or a
    /// C string) of the two: this runs for every request.
    func setURL(endpoint: String, pathAndQuery: String) throws(SetoptFailure) {
        urlBytes.removeAll(keepingCapacity: true)
        urlBytes.append(contentsOf: endpoint.utf8)
        urlBytes.append(contentsOf: pathAndQuery.utf8)
        urlBytes.append(0)
        let code = urlBytes.withUnsafeMutableBytes { ccurl_easy_setopt_pointer(raw, CURLOPT_URL, $0.baseAddress) }
        try check(code, CURLOPT_URL)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(SetoptFailure) {
        try check(ccurl_easy_setopt_pointer(raw, option, value), option)
    }

    func check(_ code: CURLcode, _ option: CURLoption) throws(SetoptFailure) {
        if code != CURLE_OK { throw SetoptFailure(option: option, code: code) }
    }

    // MARK: Info

    /// `CURLINFO_ACTIVESOCKET`: the socket of the connection the last transfer used, while
    /// libcurl still keeps that connection (in use or cached); `nil` once it is closed.
    var lastSocket: curl_socket_t? {
        var socket = ccurl_socket_bad
        let code = ccurl_easy_getinfo_socket(raw, CURLINFO_ACTIVESOCKET, &socket)
        return code == CURLE_OK && socket != ccurl_socket_bad ? socket : nil
    }

    /// The IP address of the last connection (`CURLINFO_PRIMARY_IP`), if any.
    var primaryIP: String? {
        var pointer: UnsafeMutableRawPointer?
        guard ccurl_easy_getinfo_pointer(raw, CURLINFO_PRIMARY_IP, &pointer) == CURLE_OK, let pointer else { return nil }
        let address = String(cString: pointer.assumingMemoryBound(to: CChar.self))
        return address.isEmpty ? nil : address
    }

    func info(_ item: CURLINFO) -> Int {
        var value = 0
        _ = ccurl_easy_getinfo_long(raw, item, &value)
        return value
    }
}

/// A `curl_easy_setopt` that libcurl refused; becomes ``TransportError/Kind/invalidRequest``.
struct SetoptFailure: Error {
    var option: CURLoption
    var code: CURLcode

    var message: String {
        "curl_easy_setopt(\(option.rawValue)) failed: \(CurlCodes.description(of: code))"
    }
}
