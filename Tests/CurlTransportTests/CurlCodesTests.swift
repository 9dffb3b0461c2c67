import CCurl
@testable import CurlTransport
import Testing

struct CurlCodesTests {
    @Test(arguments: [
        (CURLE_COULDNT_RESOLVE_HOST, TransportError.Kind.couldNotResolve),
        (CURLE_COULDNT_CONNECT, .couldNotConnect),
        (CURLE_OPERATION_TIMEDOUT, .connectTimeout),
        (CURLE_SSL_CONNECT_ERROR, .tls),
        (CURLE_PEER_FAILED_VERIFICATION, .tls),
        (CURLE_SSL_CERTPROBLEM, .tls),
        (CURLE_SSL_CACERT_BADFILE, .tls),
        (CURLE_GOT_NOTHING, .connectionClosed),
        (CURLE_RECV_ERROR, .connectionClosed),
        (CURLE_SEND_ERROR, .connectionClosed),
        (CURLE_PARTIAL_FILE, .connectionClosed),
        (CURLE_WEIRD_SERVER_REPLY, .malformedResponse),
        (CURLE_UNSUPPORTED_PROTOCOL, .malformedResponse),
        (CURLE_FILESIZE_EXCEEDED, .responseTooLarge),
        (CURLE_URL_MALFORMAT, .invalidRequest),
        (CURLE_OUT_OF_MEMORY, .other),
    ])
    func mapsEachCodeToOneKind(code: CURLcode, kind: TransportError.Kind) {
        #expect(CurlCodes.kind(of: code) == kind)
    }

    @Test func deliveryFollowsTheSendAttempts() {
        #expect(CurlCodes.delivery(requestAttempts: 0) == .notSent)
        #expect(CurlCodes.delivery(requestAttempts: 1) == .possiblySent)
        #expect(CurlCodes.delivery(requestAttempts: 2) == .possiblySent)
    }

    @Test func multiCodes() {
        #expect(CurlCodes.disposition(of: CURLM_OK, in: "test") == .ok)
        #expect(CurlCodes.disposition(of: CURLM_BAD_SOCKET, in: "test") == .ignore)
        if case .fatal(let message) = CurlCodes.disposition(of: CURLM_OUT_OF_MEMORY, in: "test") {
            #expect(message.hasPrefix("test: "))
        } else {
            Issue.record("CURLM_OUT_OF_MEMORY must be fatal")
        }
    }

    @Test func durationsConvertWithoutFiringEarly() {
        #expect(Duration.milliseconds(250).millisecondsRoundedUp == 250)
        #expect(Duration.microseconds(250_001).millisecondsRoundedUp == 251)
        #expect(Duration.seconds(-1).nanosecondsClamped == 0)
        #expect(Duration.seconds(Int64.max).nanosecondsClamped == .max)
        #expect(Duration.milliseconds(1).nanosecondsClamped == 1_000_000)
    }
}
