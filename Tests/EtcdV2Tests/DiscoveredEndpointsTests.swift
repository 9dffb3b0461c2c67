@testable import EtcdV2
import Testing

/// From the two lookups to endpoint URLs or a typed error, and the names looked up.
struct DiscoveredEndpointsTests {
    static let secureName = "_etcd-client-ssl._tcp.example.com"
    static let plainName = "_etcd-client._tcp.example.com"

    static func records(_ targets: [(String, UInt16)], priorities: [UInt16]? = nil) -> LookupResult {
        .records(
            targets.enumerated().map { index, target in
                DiscoveredRecord(priority: priorities?[index] ?? 0, weight: 0, port: target.1, target: target.0)
            })
    }

    static func endpoints(secure: LookupResult, plain: LookupResult) throws(EtcdDiscoveryError) -> [String] {
        try DiscoveredEndpoints.endpoints(
            domain: "example.com", nameServer: "127.0.0.1:53",
            lookups: [
                DiscoveryLookup(name: secureName, scheme: "https", result: secure),
                DiscoveryLookup(name: plainName, scheme: "http", result: plain),
            ],
            pick: { _ in 0 })
    }

    static let missing = LookupResult.failed(.noSuchName, detail: "NXDOMAIN")

    @Test func secureEndpointsComeFirstWithoutTrailingDots() throws {
        let found = try Self.endpoints(
            secure: Self.records([("b.example.com.", 2379), ("a.example.com.", 2379)], priorities: [2, 1]),
            plain: Self.records([("c.example.com.", 4001)]))
        #expect(found == ["https://a.example.com:2379", "https://b.example.com:2379", "http://c.example.com:4001"])
    }

    @Test func oneMissingSetIsFine() throws {
        #expect(try Self.endpoints(secure: Self.missing, plain: Self.records([("m1.", 2379)])) == ["http://m1:2379"])
        #expect(
            try Self.endpoints(secure: Self.records([("m1.", 2379)]), plain: .failed(.noRecords, detail: "NODATA"))
                == ["https://m1:2379"])
    }

    @Test func duplicatesAreKeptOnceAndTheRootTargetIsDropped() throws {
        let found = try Self.endpoints(
            secure: Self.missing, plain: Self.records([("m1.", 2379), (".", 2379), ("m1.", 2379), ("m2.", 2379)]))
        #expect(found == ["http://m1:2379", "http://m2:2379"])
    }

    struct FailureCase: Sendable, CustomTestStringConvertible {
        var label: String
        var secure: LookupResult
        var plain: LookupResult
        var kind: EtcdDiscoveryError.Kind
        var outcomes: [EtcdDiscoveryError.Lookup.Outcome]
        var testDescription: String { label }
    }

    static let failureCases: [FailureCase] = [
        FailureCase(
            label: "both names missing", secure: missing, plain: .failed(.noRecords, detail: "NODATA"),
            kind: .noRecords, outcomes: [.noSuchName, .noRecords]),
        FailureCase(
            label: "only the root target", secure: missing, plain: records([(".", 0)]),
            kind: .noRecords, outcomes: [.noSuchName, .noRecords]),
        FailureCase(
            label: "an answer without SRV records", secure: missing, plain: .records([]),
            kind: .noRecords, outcomes: [.noSuchName, .noRecords]),
        FailureCase(
            label: "a timeout fails the discovery even when the other set is there",
            secure: .failed(.timeout, detail: "no answer"), plain: records([("m1.", 2379)]),
            kind: .timeout, outcomes: [.timeout, .found]),
        FailureCase(
            label: "a server failure is not a missing set",
            secure: .failed(.serverFailure, detail: "SERVFAIL"), plain: records([("m1.", 2379)]),
            kind: .lookupFailed, outcomes: [.serverFailure, .found]),
        FailureCase(
            label: "timeout wins over other failures",
            secure: .failed(.unreachable, detail: "refused"), plain: .failed(.timeout, detail: "no answer"),
            kind: .timeout, outcomes: [.unreachable, .timeout]),
        FailureCase(
            label: "a target that is not a host name",
            secure: missing, plain: records([("m\\032one.", 2379)]),
            kind: .lookupFailed, outcomes: [.noSuchName, .malformedAnswer]),
        FailureCase(
            label: "port 0", secure: missing, plain: records([("m1.", 0)]),
            kind: .lookupFailed, outcomes: [.noSuchName, .malformedAnswer]),
    ]

    @Test(arguments: failureCases)
    func failuresAreTypedAndSayWhatWasLookedUp(_ testCase: FailureCase) {
        #expect {
            _ = try Self.endpoints(secure: testCase.secure, plain: testCase.plain)
        } throws: { error in
            guard let error = error as? EtcdDiscoveryError else { return false }
            return error.kind == testCase.kind && error.lookups.map(\.outcome) == testCase.outcomes
                && error.lookups.map(\.name) == [Self.secureName, Self.plainName]
                && error.description.contains(Self.secureName) && error.description.contains(Self.plainName)
        }
    }

    @Test(arguments: [
        (true, nil as String?, "_etcd-client-ssl._tcp.example.com"),
        (false, nil, "_etcd-client._tcp.example.com"),
        (true, "", "_etcd-client-ssl._tcp.example.com"),
        (true, "blue", "_etcd-client-ssl-blue._tcp.example.com"),
        (false, "blue", "_etcd-client-blue._tcp.example.com"),
    ])
    func namesFollowGo(secure: Bool, serviceName: String?, name: String) {
        #expect(SRVServiceName.name(secure: secure, domain: "example.com", serviceName: serviceName) == name)
    }

    @Test(arguments: [
        ("example.com", "example.com" as String?),
        ("example.com.", "example.com"),
        ("a-b_c.d1", "a-b_c.d1"),
        ("", nil),
        (".", nil),
        ("a..b", nil),
        ("exa mple.com", nil),
        ("bücher.de", nil),
        (String(repeating: "a", count: 64) + ".com", nil),
    ])
    func domainsAreDNSNames(domain: String, plain: String?) {
        #expect(SRVServiceName.plainName(domain) == plain)
    }

    @Test(arguments: [
        ("blue", true), ("a-1", true), ("", true), ("has_underscore", false), ("dot.ted", false),
        (String(repeating: "x", count: 47), false), (String(repeating: "x", count: 46), true),
    ])
    func serviceNamesAreLabels(serviceName: String, valid: Bool) {
        #expect(SRVServiceName.isValidServiceName(serviceName) == valid)
    }
}
