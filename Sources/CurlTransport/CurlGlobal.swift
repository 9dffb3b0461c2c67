internal import CCurl

/// `curl_global_init`, run exactly once per process.
///
/// A lazily initialised global is guarded by `swift_once`, which makes this a thread-safe
/// call-once. `curl_global_cleanup` is never called: other libraries in the process
/// (FoundationNetworking) may share libcurl's global state.
private let curlGlobalInitResult: CURLcode = curl_global_init(ccurl_global_all)

enum CurlGlobal {
    /// Initialises libcurl if no one has yet; returns its result code.
    static func ensureInitialized() -> CURLcode {
        curlGlobalInitResult
    }

    /// The libcurl version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.19`.
    static var version: String {
        _ = ensureInitialized()
        return String(cString: curl_version())
    }
}
