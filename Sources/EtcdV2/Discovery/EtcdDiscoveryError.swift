/// DNS SRV discovery found no endpoints to use, and why.
///
/// ``lookups`` says what was asked for (`_etcd-client-ssl._tcp.<domain>`,
/// `_etcd-client._tcp.<domain>`) and what each lookup gave.
public struct EtcdDiscoveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, over both lookups.
    public enum Kind: String, Sendable, Hashable {
        /// Neither name has usable SRV records: each does not exist (`NXDOMAIN`), has no SRV
        /// records, or only the "not available here" target `.`. Check the domain, the service
        /// name and the name server.
        case noRecords
        /// A lookup got no answer within ``EtcdSRVDiscovery/timeout``. Retry later.
        case timeout
        /// A lookup failed otherwise: the name server cannot be reached, answered with a failure
        /// (`SERVFAIL`, `REFUSED`), or sent an answer that does not parse or a target that is not
        /// a host name. No partial result is used, so the scheme cannot silently change.
        case lookupFailed
        /// The domain, the service name, the name server address or the timeout cannot be
        /// looked up with; nothing was sent.
        case invalidArgument
    }

    /// One name that was looked up and what it gave.
    public struct Lookup: Sendable, Hashable, CustomStringConvertible {
        /// What one lookup gave.
        public enum Outcome: String, Sendable, Hashable {
            /// Usable SRV records.
            case found
            /// The name does not exist (`NXDOMAIN`).
            case noSuchName
            /// The name exists without SRV records, or its only target is `.` (RFC 2782: the
            /// service is decidedly not available at this domain).
            case noRecords
            /// No answer in time.
            case timeout
            /// The name server cannot be reached (its port is closed, no route).
            case unreachable
            /// The name server answered with a failure (`SERVFAIL`, `REFUSED`, `NOTIMP`).
            case serverFailure
            /// The answer does not parse, or a target is not a host name.
            case malformedAnswer
            /// The local resolver could not be set up.
            case resolverFailure
        }

        /// The name asked for, e.g. `_etcd-client._tcp.example.com`.
        public var name: String
        /// What it gave.
        public var outcome: Outcome
        /// More about it, for people.
        public var detail: String

        public var description: String { "\(name): \(outcome.rawValue) (\(detail))" }
    }

    /// What went wrong.
    public var kind: Kind
    /// The domain discovery ran for.
    public var domain: String
    /// The name server asked (`127.0.0.1:53`, `[::1]:53`), or `system resolver`.
    public var nameServer: String
    /// Each lookup, `_etcd-client-ssl` first; empty for ``Kind/invalidArgument``.
    public var lookups: [Lookup]
    /// Why an argument was refused (``Kind/invalidArgument``); empty otherwise.
    public var detail: String

    public var description: String {
        let what = lookups.isEmpty ? detail : lookups.map(\.description).joined(separator: "; ")
        return "etcd SRV discovery for \(domain) via \(nameServer) failed (\(kind.rawValue)): \(what)"
    }
}
