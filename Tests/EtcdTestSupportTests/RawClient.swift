import Glibc
import Testing

@testable import EtcdTestSupport

/// A raw TCP client for observing exactly what a ``LoopbackServer`` sends.
final class RawClient {
    let fd: Int32

    /// Connects to `127.0.0.1:port`; every read gives up after `timeout`.
    init(port: UInt16, timeout: Duration = .seconds(5)) throws {
        fd = try Socket.makeTCP()
        do {
            try Socket.connect(fd, host: Socket.loopbackHostOrder, port: port)
        } catch {
            close(fd)
            throw error
        }
        Socket.setTimeout(fd, option: SO_RCVTIMEO, timeout)
        Socket.setTimeout(fd, option: SO_SNDTIMEO, timeout)
    }

    deinit {
        close(fd)
    }

    /// Sends text; `false` if the peer is gone.
    @discardableResult
    func send(_ text: String) -> Bool {
        Socket.sendAll(fd, text)
    }

    /// Reads until `marker` appears, end of stream, or the read timeout; returns the bytes as text.
    func read(until marker: String) -> String {
        read { $0.contains(marker) }
    }

    /// Reads until `done` holds for the text so far, end of stream, or the read timeout.
    func read(until done: (String) -> Bool) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
            if done(String(decoding: bytes, as: UTF8.self)) { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads until end of stream; `nil` if the read timed out or failed instead.
    func readToEnd() -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return bytes }
            if count < 0 { return errno == ECONNRESET ? bytes : nil }
            bytes += chunk[0..<count]
        }
    }
}

/// A minimal GET request with `Connection: close` or keep-alive.
func rawGET(_ path: String = "/", keepAlive: Bool = false) -> String {
    "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n"
}

/// Elapsed time of `body`.
func measure<T>(_ body: () throws -> T) rethrows -> (result: T, elapsed: Duration) {
    let start = ContinuousClock.now
    let result = try body()
    return (result, ContinuousClock.now - start)
}

/// Expects `body` to throw a ``LoopbackHTTPError`` matching `matches`.
func expectHTTPError(
    _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (LoopbackHTTPError) -> Bool,
    _ body: () throws -> HTTPReply
) {
    do {
        let reply = try body()
        Issue.record("\(what): expected an error, got HTTP \(reply.status)", sourceLocation: sourceLocation)
    } catch let error as LoopbackHTTPError {
        #expect(matches(error), "\(what): unexpected \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): unexpected error type \(error)", sourceLocation: sourceLocation)
    }
}
