/// One DNS SRV record (RFC 2782), as the name server sent it.
package struct SRVRecord: Sendable, Hashable {
    /// Lower is tried first.
    package var priority: UInt16
    /// Relative share among records of the same priority; 0 means "no preference".
    package var weight: UInt16
    /// The service's TCP port on ``target``.
    package var port: UInt16
    /// The host, fully qualified in presentation form with its trailing dot (`infra0.example.com.`),
    /// as `dig` and zone files show it; `.` alone means "no service here" (RFC 2782).
    package var target: String

    package init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}
