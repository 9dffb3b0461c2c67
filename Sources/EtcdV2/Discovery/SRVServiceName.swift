/// The DNS names etcd's client discovery asks for (Go's `srv.GetSRVService`), and the checks
/// on what goes into them. Pure.
enum SRVServiceName {
    /// `_etcd-client-ssl._tcp.<domain>` (secure) or `_etcd-client._tcp.<domain>`; with a
    /// service name `x`, `_etcd-client-ssl-x._tcp.<domain>` and `_etcd-client-x._tcp.<domain>`.
    static func name(secure: Bool, domain: String, serviceName: String?) -> String {
        var service = secure ? "etcd-client-ssl" : "etcd-client"
        if let serviceName, !serviceName.isEmpty { service += "-" + serviceName }
        return "_\(service)._tcp.\(domain)"
    }

    /// `name` (a domain, or an SRV target) without its trailing dot, if it is a DNS name of
    /// letters, digits, `-` and `_` in labels of 1 to 63 bytes, 253 bytes at most; `nil`
    /// otherwise (internationalised names must be given in their `xn--` form; a target that
    /// `dn_expand` had to escape is refused).
    static func plainName(_ name: String) -> String? {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty, trimmed.utf8.count <= 253 else { return nil }
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ (1...63).contains($0.utf8.count) && $0.utf8.allSatisfy(isNameByte) }) else {
            return nil
        }
        return trimmed
    }

    /// Whether `serviceName` fits in a service label: letters, digits and `-`, and the whole
    /// `_etcd-client-ssl-<name>` label within 63 bytes. `nil` and `""` mean no suffix.
    static func isValidServiceName(_ serviceName: String?) -> Bool {
        guard let serviceName, !serviceName.isEmpty else { return true }
        return "_etcd-client-ssl-".utf8.count + serviceName.utf8.count <= 63
            && serviceName.utf8.allSatisfy { isNameByte($0) && $0 != UInt8(ascii: "_") }
    }

    /// Letters, digits, `-` and `_` (the last for service labels such as `_tcp`).
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
