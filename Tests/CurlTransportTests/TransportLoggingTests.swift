@testable import CurlTransport
import EtcdTestSupport
import InMemoryLogging
import Logging
import Testing

struct TransportLoggingTests {
    @Test func eachRequestIsLoggedWithoutCredentials() async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { server.shutdown() }
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = .debug
        let transport = try CurlTransport(logger: logger)
        var request = TransportTest.request(.put, server.url, path: "/v2/keys/secret?prevExist=true", body: "value=x")
        request.credentials = BasicCredentials(username: "root", password: "hunter2-very-secret")
        let response = try await transport.execute(request)
        #expect(response.status == 200)
        await transport.shutdown()

        let entries = handler.entries.filter { $0.message.description == "request finished" }
        #expect(entries.count == 1)
        let metadata = entries.first?.metadata ?? [:]
        #expect(metadata["etcd.endpoint"]?.description == server.url)
        #expect(metadata["etcd.method"]?.description == "PUT")
        #expect(metadata["etcd.path"]?.description == "/v2/keys/secret")
        #expect(metadata["etcd.status"]?.description == "200")
        #expect(metadata["etcd.duration_us"] != nil)
        let everything = handler.entries.map { "\($0.message) \($0.metadata)" }.joined()
        #expect(!everything.contains("hunter2"))
        #expect(!everything.contains("root"))
    }

    @Test func failuresAreLoggedToo() async throws {
        let port = try FreePort.allocate()
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = .debug
        let transport = try CurlTransport(logger: logger)
        _ = try? await transport.execute(TransportTest.request("http://127.0.0.1:\(port)"))
        await transport.shutdown()
        let failed = handler.entries.filter { $0.message.description == "request failed" }
        #expect(failed.count == 1)
        #expect(failed.first?.metadata["etcd.error"]?.description.contains("couldNotConnect") == true)
    }
}
