import CurlTransport

/// Where a redirect leads: pure URL arithmetic, table-tested (`RedirectResolverTests`).
enum RedirectResolver {
    /// One hop's target, split the way the transport takes a request.
    struct Target: Equatable {
        /// `scheme://host[:port]`.
        var endpoint: String
        /// Path and query, starting with `/`.
        var pathAndQuery: String
    }

    /// Resolves `location` (absolute, scheme-relative, absolute-path or relative, RFC 3986)
    /// against the request's URL. `nil` for anything that is not an http(s) URL or a path.
    static func resolve(location raw: String, endpoint: String, pathAndQuery: String) -> Target? {
        let location = raw.trimmingWhitespace
        guard !location.isEmpty, !location.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            return nil
        }
        let withoutFragment = location.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let lower = withoutFragment.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let scheme = String(lower.prefix(while: { $0 != ":" }))
            return absolute(scheme: scheme, rest: withoutFragment.dropFirst(scheme.count + 3))
        }
        if withoutFragment.hasPrefix("//") {
            let scheme = endpoint.lowercased().hasPrefix("https://") ? "https" : "http"
            return absolute(scheme: scheme, rest: withoutFragment.dropFirst(2))
        }
        if withoutFragment.hasPrefix("/") {
            return Target(endpoint: endpoint, pathAndQuery: normalized(String(withoutFragment)))
        }
        let beforeQuery = withoutFragment.prefix(while: { $0 != "?" })
        if beforeQuery.prefix(while: { $0 != "/" }).contains(":") {
            return nil  // another scheme (mailto:, ftp:, …)
        }
        let basePath = pathAndQuery.prefix(while: { $0 != "?" })
        let directory = basePath.lastIndex(of: "/").map { basePath[...$0] } ?? "/"
        return Target(endpoint: endpoint, pathAndQuery: normalized(String(directory) + withoutFragment))
    }

    /// Whether two endpoints share scheme, host and port (default ports made explicit).
    static func isSameOrigin(_ first: String, _ second: String) -> Bool {
        first == second || origin(first) == origin(second)
    }

    /// The method of the next hop: 303 turns any method into GET (without a body); every other
    /// redirect keeps method and body.
    static func method(after status: Int, original: HTTPMethod) -> HTTPMethod {
        status == 303 ? .get : original
    }

    /// Whether `status` is a redirect the client acts on.
    static func isRedirect(_ status: Int) -> Bool {
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308
    }

    private static func absolute(scheme: String, rest: Substring) -> Target? {
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var path = String(rest.dropFirst(authority.count))
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        return Target(endpoint: "\(scheme)://\(authority)", pathAndQuery: normalized(path))
    }

    /// Removes `.` and `..` path segments (RFC 3986 §5.2.4); the query is kept as is.
    private static func normalized(_ pathAndQuery: String) -> String {
        let path = pathAndQuery.prefix(while: { $0 != "?" })
        let query = pathAndQuery.dropFirst(path.count)
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (offset, segment) in segments.enumerated() {
            let isLast = offset == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/") + query
    }

    private static func origin(_ endpoint: String) -> String {
        let lower = endpoint.lowercased()
        let isHTTPS = lower.hasPrefix("https://")
        var authority = Substring(lower.dropFirst(isHTTPS ? 8 : 7))
        authority = authority.prefix(while: { $0 != "/" })
        let hasPort: Bool
        if let bracket = authority.lastIndex(of: "]") {
            hasPort = authority[bracket...].contains(":")
        } else {
            hasPort = authority.contains(":")
        }
        return (isHTTPS ? "https://" : "http://") + authority + (hasPort ? "" : (isHTTPS ? ":443" : ":80"))
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = lastIndex(where: { !$0.isWhitespace }).map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
