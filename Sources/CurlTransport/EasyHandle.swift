internal import CCurl
import Glibc

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
    /// The `CURLOPT_HTTPHEADER` list the handle points at, and what it was made of: the next
    /// transfer with the same fields keeps it (``setHeaders(_:suppressExpect:)``).
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var headerListSource: (fields: [HTTPHeader], suppressExpect: Bool) = ([], false)
    /// The URL being set, NUL-terminated; kept so that a request's URL costs no allocation
    /// (libcurl copies it). Exclusivity unchecked: loop-confined, never accessed overlapping.
    @exclusivity(unchecked) private var urlBytes: [UInt8] = []
    /// The same URL in libcurl's parsed form (`CURLOPT_CURLU`), so that libcurl need not parse
    /// and rebuild the whole URL for every transfer: the endpoint's scheme, host and port are
    /// parsed once (``urlPartsEndpoint``), each transfer sets only its path and query.
    private var urlParts: OpaquePointer?
    /// The endpoint `urlParts` holds; `nil` when it holds none (or failed to parse one).
    private var urlPartsEndpoint: String?
    /// Whether `CURLOPT_CURLU` points at `urlParts` (`curl_easy_reset` clears it).
    private var urlPartsAttached = false

    init?() {
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        // After the handle that points at them.
        if let headerList { curl_slist_free_all(headerList) }
        if let urlParts { curl_url_cleanup(urlParts) }
        errorBuffer.deallocate()
    }

    /// Back to a blank state, keeping the handle's allocations for the next transfer.
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
        profile = nil
        lastMethod = nil
        lastHadBody = false
        // `curl_easy_reset` cleared `CURLOPT_HTTPHEADER`: the list is not in use any more.
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        headerListSource = ([], false)
        urlPartsAttached = false
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

    /// The URL of the next transfer: `endpoint` followed by `pathAndQuery`.
    ///
    /// Set twice, consistently: as `CURLOPT_URL` (the string libcurl reports, and re-sends to
    /// when a reused connection turns out dead), and as the parts of `CURLOPT_CURLU`, which
    /// libcurl then connects with instead of parsing the string and building it anew (about
    /// a tenth of the client's instructions per request). libcurl 7.88 keeps the previous
    /// transfer's string when only `CURLOPT_CURLU` is set, hence both. If the parts cannot be
    /// set, the string alone is used, as before, and libcurl reports what is wrong with it.
    func setURL(endpoint: String, pathAndQuery: String) throws(SetoptFailure) {
        urlBytes.removeAll(keepingCapacity: true)
        urlBytes.append(contentsOf: endpoint.utf8)
        let pathStart = urlBytes.count
        urlBytes.append(contentsOf: pathAndQuery.utf8)
        urlBytes.append(0)
        let (code, attach) = urlBytes.withUnsafeMutableBytes { bytes in
            let code = ccurl_easy_setopt_pointer(raw, CURLOPT_URL, bytes.baseAddress)
            // libcurl copied the string; the buffer now becomes the path and query C strings.
            return (code, code == CURLE_OK && setURLParts(endpoint: endpoint, in: bytes, pathStart: pathStart))
        }
        try check(code, CURLOPT_URL)
        if attach != urlPartsAttached {
            let parts = attach ? urlParts.map { UnsafeMutableRawPointer($0) } : nil
            try check(ccurl_easy_setopt_pointer(raw, CURLOPT_CURLU, parts), CURLOPT_CURLU)
            urlPartsAttached = attach
        }
    }

    /// Sets `urlParts` to the URL in `bytes` (NUL-terminated, the path from `pathStart`);
    /// returns whether it holds it.
    private func setURLParts(endpoint: String, in bytes: UnsafeMutableRawBufferPointer, pathStart: Int) -> Bool {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self), pathStart < bytes.count - 1,
            bytes[pathStart] == UInt8(ascii: "/")
        else { return false }
        if urlParts == nil { urlParts = curl_url() }
        guard let parts = urlParts else { return false }
        if urlPartsEndpoint != endpoint {
            urlPartsEndpoint = nil
            // Only a bare `scheme://authority`: a path, query or fragment of the endpoint's own
            // would be lost when the request's path and query are set as parts.
            guard Self.isBareOrigin(endpoint), curl_url_set(parts, CURLUPART_URL, endpoint, 0) == CURLUE_OK else {
                return false
            }
            urlPartsEndpoint = endpoint
        }
        var query: UnsafeMutablePointer<CChar>?
        if let mark = memchr(base + pathStart, Int32(UInt8(ascii: "?")), bytes.count - 1 - pathStart) {
            mark.storeBytes(of: 0, as: UInt8.self)
            query = UnsafeMutableRawPointer(mark).assumingMemoryBound(to: CChar.self) + 1
        }
        return curl_url_set(parts, CURLUPART_PATH, base + pathStart, 0) == CURLUE_OK
            && curl_url_set(parts, CURLUPART_QUERY, query, 0) == CURLUE_OK
    }

    /// Whether `endpoint` is `scheme://authority` with nothing after the authority.
    static func isBareOrigin(_ endpoint: String) -> Bool {
        guard let scheme = endpoint.utf8.firstRange(of: "://".utf8) else { return false }
        return !endpoint.utf8[scheme.upperBound...].contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
    }

    /// Points `CURLOPT_HTTPHEADER` at `fields` (and `Expect:`, which turns off libcurl's
    /// `Expect: 100-continue`, when `suppressExpect`). The list of the last transfer is kept
    /// when it was made of the same: rebuilding it cost two allocations per field and a
    /// formatted string per request.
    func setHeaders(_ fields: [HTTPHeader], suppressExpect: Bool) throws(SetoptFailure) {
        if headerListSource.suppressExpect == suppressExpect, headerListSource.fields == fields { return }
        var list: UnsafeMutablePointer<curl_slist>?
        if suppressExpect { list = curl_slist_append(list, "Expect:") }
        for field in fields {
            list = curl_slist_append(list, "\(field.name): \(field.value)")
        }
        // libcurl reads the list while a transfer runs; the old one is not running any more.
        let code = ccurl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = list
        headerListSource = code == CURLE_OK ? (fields, suppressExpect) : ([], false)
        try check(code, CURLOPT_HTTPHEADER)
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
