/// What one lookup of a discovery gave, in the pure layer's terms.
enum LookupResult: Sendable, Hashable {
    /// The SRV records in the answer, in the order sent.
    case records([DiscoveredRecord])
    /// No records, and why.
    case failed(EtcdDiscoveryError.Lookup.Outcome, detail: String)
}

/// One of the two names a discovery asks for, and its result.
struct DiscoveryLookup: Sendable, Hashable {
    /// `_etcd-client-ssl._tcp.<domain>` or `_etcd-client._tcp.<domain>`.
    var name: String
    /// `https` or `http`.
    var scheme: String
    var result: LookupResult
}

/// Turns the two lookups of a discovery into endpoint URLs, or the error that says why there
/// are none. Pure.
///
/// - `https` endpoints (from `_etcd-client-ssl`) come before `http` ones, as in Go; each set is
///   in RFC 2782 order (``SRVOrdering``).
/// - A name that does not exist or has no SRV records is fine as long as the other has some.
///   Any other failure (timeout, unreachable, server failure, a malformed answer) fails the
///   whole discovery: a partial list could silently drop every `https` endpoint.
/// - The trailing dot of a target is removed (`infra0.example.com.` → `infra0.example.com`);
///   records with target `.` are dropped; duplicates are kept once.
enum DiscoveredEndpoints {
    static func endpoints(
        domain: String, nameServer: String, lookups: [DiscoveryLookup], pick: SRVOrdering.Pick = SRVOrdering.systemPick
    ) throws(EtcdDiscoveryError) -> [String] {
        var summaries: [EtcdDiscoveryError.Lookup] = []
        var endpoints: [String] = []
        for lookup in lookups {
            switch urls(lookup.result, scheme: lookup.scheme, pick: pick) {
            case .success(let urls):
                endpoints += urls
                summaries.append(.init(name: lookup.name, outcome: .found, detail: "\(urls.count) endpoint(s)"))
            case .failure(let failure):
                summaries.append(.init(name: lookup.name, outcome: failure.outcome, detail: failure.detail))
            }
        }
        let outcomes = summaries.map(\.outcome)
        func error(_ kind: EtcdDiscoveryError.Kind) -> EtcdDiscoveryError {
            EtcdDiscoveryError(kind: kind, domain: domain, nameServer: nameServer, lookups: summaries, detail: "")
        }
        if outcomes.contains(.timeout) { throw error(.timeout) }
        if outcomes.contains(where: { ![.found, .noSuchName, .noRecords].contains($0) }) { throw error(.lookupFailed) }
        guard !endpoints.isEmpty else { throw error(.noRecords) }
        var seen = Set<String>()
        return endpoints.filter { seen.insert($0).inserted }
    }

    /// Why one lookup gave no URLs.
    struct Failure: Error {
        var outcome: EtcdDiscoveryError.Lookup.Outcome
        var detail: String
    }

    /// The URLs of one lookup's records, in the order to try them.
    static func urls(_ result: LookupResult, scheme: String, pick: SRVOrdering.Pick) -> Result<[String], Failure> {
        let records: [DiscoveredRecord]
        switch result {
        case .failed(let outcome, let detail): return .failure(Failure(outcome: outcome, detail: detail))
        case .records(let all): records = all
        }
        let usable = records.filter { $0.target != "." }
        guard !usable.isEmpty else {
            let detail = records.isEmpty ? "no SRV records in the answer" : "the only target is \".\" (service not available)"
            return .failure(Failure(outcome: .noRecords, detail: detail))
        }
        var urls: [String] = []
        for record in SRVOrdering.ordered(usable, pick: pick) {
            guard let host = SRVServiceName.plainName(record.target), record.port != 0 else {
                return .failure(
                    Failure(outcome: .malformedAnswer, detail: "target \"\(record.target)\" port \(record.port) is not usable"))
            }
            urls.append("\(scheme)://\(host):\(record.port)")
        }
        return .success(urls)
    }
}
