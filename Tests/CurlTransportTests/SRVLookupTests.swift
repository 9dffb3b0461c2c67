@testable import CurlTransport
import EtcdTestSupport
import Testing

/// ``SRVLookup`` against a real DNS server (dnsmasq) on a loopback port. Every lookup names
/// the loopback server explicitly: no query leaves the machine.
struct SRVLookupTests {
    static let domain = "lookup.test"
    static let clientName = "_etcd-client._tcp.\(domain)"
    static let records: [DNSRecord] = [
        .srv(name: clientName, target: "localhost", port: 2379, priority: 10, weight: 60),
        .srv(name: clientName, target: "m2.\(domain)", port: 22380, priority: 20, weight: 0),
        .txt(name: "_etcd-client-ssl._tcp.\(domain)", text: "no SRV here"),
    ]

    static func nameServer(_ server: DNSServer) throws -> DNSNameServer {
        try #require(DNSNameServer(address: server.address, port: server.port))
    }

    @Test func readsEveryFieldOfTheRecordsTheServerHolds() async throws {
        try await withDNSServer(localDomains: [Self.domain], records: Self.records) { server in
            let found = try await SRVLookup.records(
                for: Self.clientName, nameServer: try Self.nameServer(server), timeout: .seconds(5))
            #expect(
                Set(found) == [
                    SRVRecord(priority: 10, weight: 60, port: 2379, target: "localhost."),
                    SRVRecord(priority: 20, weight: 0, port: 22380, target: "m2.lookup.test."),
                ])
            #expect(server.queryLog().contains("query[SRV] \(Self.clientName) from 127.0.0.1"))
        }
    }

    @Test func answersLargerThanOneUDPPacketArriveOverTCP() async throws {
        let many: [DNSRecord] = (0..<60).map {
            .srv(name: Self.clientName, target: "member-\($0).a-rather-long-label-for-size.\(Self.domain)", port: UInt16(30000 + $0))
        }
        try await withDNSServer(localDomains: [Self.domain], records: many) { server in
            let found = try await SRVLookup.records(
                for: Self.clientName, nameServer: try Self.nameServer(server), timeout: .seconds(5))
            #expect(Set(found.map(\.port)) == Set((0..<60).map { UInt16(30000 + $0) }))
        }
    }

    @Test(arguments: [
        ("_etcd-client._tcp.nowhere.\(SRVLookupTests.domain)", DNSLookupError.Kind.noSuchName),
        ("_etcd-client-ssl._tcp.\(SRVLookupTests.domain)", .noRecords),
        ("_etcd-client._tcp.outside.invalid", .serverFailure),
    ])
    func missingRecordsAndRefusalsAreTyped(name: String, kind: DNSLookupError.Kind) async throws {
        try await withDNSServer(localDomains: [Self.domain], records: Self.records) { server in
            let error = await lookupError {
                try await SRVLookup.records(for: name, nameServer: try Self.nameServer(server), timeout: .seconds(5))
            }
            #expect(error?.kind == kind, "\(String(describing: error))")
            #expect(error?.name == name)
            #expect(error?.nameServer == "127.0.0.1:\(server.port)")
        }
    }

    @Test func aServerOnIPv6LoopbackIsAskedThere() async throws {
        try await withDNSServer(localDomains: [Self.domain], records: Self.records, listenAddress: "::1") { server in
            let nameServer = try Self.nameServer(server)
            #expect(nameServer.description == "[::1]:\(server.port)")
            let found = try await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: .seconds(5))
            #expect(found.count == 2)
            #expect(server.queryLog().contains("query[SRV] \(Self.clientName) from ::1"))
        }
    }

    @Test func aServerThatNeverAnswersTimesOutOnTime() async throws {
        let silent = try SilentNameServer()
        let nameServer = try #require(DNSNameServer(address: silent.address, port: silent.port))
        let timeout = Duration.milliseconds(300)
        let start = ContinuousClock.now
        let error = await lookupError {
            try await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: timeout)
        }
        let elapsed = ContinuousClock.now - start
        #expect(error?.kind == .timeout)
        #expect(elapsed >= timeout)
        #expect(elapsed < timeout + TransportTest.slack)
    }

    @Test func timeoutsStayOnTimeWhileOtherLookupsAreStuck() async throws {
        let silent = try SilentNameServer()
        let nameServer = try #require(DNSNameServer(address: silent.address, port: silent.port))
        // Sixteen lookups blocked in res_nquery for seconds (a blocked libdispatch pool once
        // delayed the timers by half a second).
        let stuck = (0..<16).map { _ in
            Task { try? await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: .seconds(3)) }
        }
        try await Task.sleep(for: .milliseconds(100))
        let timeout = Duration.milliseconds(150)
        let rounds = 5
        let allStart = ContinuousClock.now
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let error = await lookupError {
                try await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: timeout)
            }
            #expect(error?.kind == .timeout)
            #expect(ContinuousClock.now - start >= timeout)
        }
        // Measured: 0.8 s with a thread per query; 9 s when the queries ran on libdispatch's pool.
        let total = ContinuousClock.now - allStart
        #expect(total < timeout * rounds + TransportTest.slack, "\(rounds) timeouts took \(total)")
        for task in stuck { task.cancel() }
    }

    @Test func aClosedPortIsUnreachableAtOnce() async throws {
        let port = try FreePort.allocate()
        let nameServer = try #require(DNSNameServer(address: "127.0.0.1", port: port))
        let start = ContinuousClock.now
        let error = await lookupError {
            try await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: .seconds(5))
        }
        #expect(error?.kind == .unreachable, "\(String(describing: error))")
        #expect(ContinuousClock.now - start < .seconds(4))
    }

    @Test func cancellationEndsAWaitingLookupAtOnce() async throws {
        let silent = try SilentNameServer()
        let nameServer = try #require(DNSNameServer(address: silent.address, port: silent.port))
        let lookup = Task { try await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        lookup.cancel()
        let result = await lookup.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - start < TransportTest.slack)
    }

    @Test func anAlreadyCancelledTaskSendsNothing() async throws {
        try await withDNSServer(localDomains: [Self.domain], records: Self.records) { server in
            let nameServer = try Self.nameServer(server)
            let lookup = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: .seconds(5))
            }
            let result = await lookup.result
            #expect(throws: CancellationError.self) { try result.get() }
            // One real lookup afterwards: the log then holds its query, and only that one.
            _ = try await SRVLookup.records(for: Self.clientName, nameServer: nameServer, timeout: .seconds(5))
            let queries = server.queryLog().split(separator: "\n").filter { $0.contains("query[SRV]") }
            #expect(queries.count == 1)
        }
    }
}

/// The ``DNSLookupError`` that `body` throws, or an issue if it throws something else or nothing.
func lookupError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> DNSLookupError? {
    do {
        _ = try await body()
        Issue.record("expected a DNSLookupError", sourceLocation: sourceLocation)
    } catch let error as DNSLookupError {
        return error
    } catch {
        Issue.record("expected a DNSLookupError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
