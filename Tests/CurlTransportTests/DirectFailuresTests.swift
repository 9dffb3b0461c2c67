@testable import CurlTransport
import Glibc
import Testing

/// What each `errno` of a direct long poll becomes: the libcurl path's kinds.
struct DirectFailuresTests {
    @Test(arguments: [
        (ECONNREFUSED, TransportError.Kind.couldNotConnect), (ENETUNREACH, .couldNotConnect),
        (EHOSTUNREACH, .couldNotConnect), (ETIMEDOUT, .couldNotConnect), (EADDRNOTAVAIL, .couldNotConnect),
        (EINVAL, .invalidRequest), (EAFNOSUPPORT, .invalidRequest), (EMFILE, .other), (ENFILE, .other),
    ])
    func connectFailures(code: Int32, kind: TransportError.Kind) {
        let route = DirectRoute(host: "127.0.0.1", port: 9, authority: "127.0.0.1:9")
        let failure = DirectFailures.connect(errno: code, route: route)
        #expect(failure.kind == kind)
        #expect(failure.message.contains("127.0.0.1 port 9"))
        #expect(failure.message.contains(String(cString: strerror(code))))
    }

    @Test func lostConnections() {
        #expect(DirectFailures.lost(errno: 0) == (.connectionClosed, "the connection closed without a response"))
        let reset = DirectFailures.lost(errno: ECONNRESET)
        #expect(reset.kind == .connectionClosed)
        #expect(reset.message == "Connection failure: \(String(cString: strerror(ECONNRESET)))")
    }
}
