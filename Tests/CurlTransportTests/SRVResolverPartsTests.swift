import Glibc
@testable import CurlTransport
import Testing

/// The pure parts of the SRV lookup: classifying libresolv's failures, the retry plan, the
/// name-server address, and the answer parser's refusals.
struct SRVResolverPartsTests {
    @Test(arguments: [
        (HOST_NOT_FOUND, Int32(0), DNSLookupError.Kind.noSuchName),
        (NO_DATA, 0, .noRecords),
        (TRY_AGAIN, ETIMEDOUT, .timeout),
        (TRY_AGAIN, ECONNREFUSED, .unreachable),
        (TRY_AGAIN, ENETUNREACH, .unreachable),
        (TRY_AGAIN, 0, .serverFailure),
        (NO_RECOVERY, 0, .serverFailure),
        (NETDB_INTERNAL, EMSGSIZE, .serverFailure),
    ])
    func resolverFailuresAreClassified(hErrno: Int32, errno: Int32, kind: DNSLookupError.Kind) {
        #expect(ResolverFailure(hErrno: hErrno, errno: errno).kind == kind)
    }

    @Test(arguments: [
        (Duration.milliseconds(1), Int32(1), Int32(1)),
        (.milliseconds(300), 1, 1),
        (.milliseconds(1000), 1, 1),
        (.milliseconds(1001), 1, 2),
        (.seconds(2), 1, 2),
        (.milliseconds(2001), 2, 2),
        (.seconds(5), 3, 2),
        (.seconds(10), 5, 2),
        (.zero, 1, 1),
    ])
    func triesCoverTheTimeout(timeout: Duration, secondsPerTry: Int32, tries: Int32) {
        #expect(ResolverQuery.Attempts(covering: timeout) == .init(secondsPerTry: secondsPerTry, tries: tries))
    }

    @Test(arguments: [
        ("127.0.0.1", UInt16(53), "127.0.0.1:53"),
        ("::1", 5353, "[::1]:5353"),
        ("fd00::2", 53, "[fd00::2]:53"),
    ])
    func nameServersAreIPLiterals(address: String, port: UInt16, description: String) throws {
        let server = try #require(DNSNameServer(address: address, port: port))
        #expect(server.description == description)
    }

    @Test(arguments: ["localhost", "", "127.0.0.1:53", "1.2.3", "[::1]"])
    func hostNamesAreNotNameServers(address: String) {
        #expect(DNSNameServer(address: address, port: 53) == nil)
    }

    @Test(arguments: [
        [UInt8](),
        [0x12, 0x34, 0x81],
        // A header announcing one answer record that is not there.
        [0x12, 0x34, 0x81, 0x80, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
    ])
    func brokenAnswersAreRefused(message: [UInt8]) {
        #expect(throws: SRVAnswerParser.Malformed.self) { try SRVAnswerParser.records(in: message) }
    }

    @Test func aHeaderWithoutRecordsHasNone() throws {
        let empty: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(try SRVAnswerParser.records(in: empty).isEmpty)
    }
}
