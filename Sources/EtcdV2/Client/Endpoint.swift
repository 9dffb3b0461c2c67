/// Endpoint URLs, validated when the client is made.
enum Endpoint {
    /// `http://host:port` or `https://host:port` as given, without a trailing slash.
    ///
    /// A scheme is required (`localhost:2379` is an error, not a runtime surprise); paths,
    /// queries and credentials in the URL are refused (credentials belong in the configuration,
    /// where they are never logged).
    static func validate(_ url: String) throws(EtcdConfigurationError) -> String {
        var trimmed = Substring(url)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let lower = trimmed.lowercased()
        let schemeLength: Int
        if lower.hasPrefix("http://") {
            schemeLength = 7
        } else if lower.hasPrefix("https://") {
            schemeLength = 8
        } else {
            throw EtcdConfigurationError(message: "endpoint \"\(url)\" needs an http:// or https:// scheme")
        }
        let authority = trimmed.dropFirst(schemeLength)
        guard !authority.isEmpty else {
            throw EtcdConfigurationError(message: "endpoint \"\(url)\" has no host")
        }
        if authority.contains("@") {
            throw EtcdConfigurationError(message: "endpoint \"\(url)\" carries credentials; set them in the configuration instead")
        }
        if authority.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == " " }) {
            throw EtcdConfigurationError(message: "endpoint \"\(url)\" must be scheme://host[:port] with no path")
        }
        return String(trimmed)
    }
}
