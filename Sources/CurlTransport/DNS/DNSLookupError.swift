/// A DNS lookup that gave no usable records, and why.
///
/// Made by ``SRVLookup`` from libresolv's `h_errno` and `errno` (``ResolverFailure``), from an
/// answer that does not parse, or from the lookup's own timeout. Like ``TransportError`` it
/// knows nothing about etcd; the public layer decides what a missing record set means.
package struct DNSLookupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, independent of libresolv's numbering.
    package enum Kind: String, Sendable, Hashable {
        /// The name does not exist (`NXDOMAIN`).
        case noSuchName
        /// The name exists but has no records of the type asked for (`NODATA`).
        case noRecords
        /// No answer arrived within the lookup's timeout.
        case timeout
        /// The name server answered with a failure (`SERVFAIL`, `REFUSED`, `NOTIMP`, `FORMERR`).
        case serverFailure
        /// The name server could not be reached: its port is closed (ICMP unreachable), or there
        /// is no route to it.
        case unreachable
        /// The answer is not a well-formed DNS message, or an SRV record in it is broken.
        case malformedAnswer
        /// The name cannot be asked for (too long, or not a DNS name).
        case invalidName
        /// The resolver could not be set up (out of memory, no usable configuration).
        case resolverUnavailable
    }

    /// What went wrong.
    package var kind: Kind
    /// The name that was looked up.
    package var name: String
    /// The name server asked (`127.0.0.1:5353`, `[::1]:53`), or `system resolver`.
    package var nameServer: String
    /// More about the failure, for people.
    package var detail: String

    package init(kind: Kind, name: String, nameServer: String, detail: String) {
        self.kind = kind
        self.name = name
        self.nameServer = nameServer
        self.detail = detail
    }

    package var description: String {
        "SRV lookup of \(name) via \(nameServer) failed (\(kind.rawValue)): \(detail)"
    }
}
