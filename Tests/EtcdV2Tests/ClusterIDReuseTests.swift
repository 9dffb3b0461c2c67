@testable import CurlTransport
@testable import EtcdV2
import Testing

/// An answer's cluster ID becomes the `String` on record, not a new one, when the header holds
/// exactly its bytes; any other spelling that still matches (another case) is kept as sent.
struct ClusterIDReuseTests {
    private func state(clusterID: String?) -> ClusterState {
        ClusterState(
            endpoints: ["http://127.0.0.1:1"],
            healthCheck: EtcdClient.HealthCheck(cooldown: .seconds(1), maxCooldown: .seconds(2)),
            clusterID: clusterID)
    }

    @Test(arguments: [
        // on record (configured), received, the same bytes, a mismatch
        ("cdf818194e3a8c32", "cdf818194e3a8c32", true, false),
        ("CDF818194E3A8C32", "cdf818194e3a8c32", true, false),  // kept lower-cased
        ("cdf818194e3a8c32", "CDF818194E3A8C32", false, false),
        ("cdf818194e3a8c32", "cdf818194e3a8c3", false, true),
        ("cdf818194e3a8c32", "", false, true),
    ])
    func theIDOnRecordIsReusedOnlyForTheSameBytes(onRecord: String, received: String, same: Bool, mismatch: Bool) {
        var reused: String?
        let error = state(clusterID: onRecord).checkClusterID(ArraySlice(received.utf8), from: "http://127.0.0.1:1", same: &reused)
        #expect((error != nil) == mismatch)
        #expect(reused == (same ? received : nil))
    }

    @Test func theFirstIDSeenIsLearntAndReusedFromTheNextAnswerOn() {
        let cluster = state(clusterID: nil)
        var reused: String?
        #expect(cluster.checkClusterID(ArraySlice("abc".utf8), from: "http://127.0.0.1:1", same: &reused) == nil)
        #expect(reused == nil)
        #expect(cluster.checkClusterID(ArraySlice("abc".utf8), from: "http://127.0.0.1:1", same: &reused) == nil)
        #expect(reused == "abc")
    }

    @Test func theDecoderTakesTheKnownIDForTheHeadersValue() throws {
        let body = Array(#"{"action":"get","node":{"key":"/a","value":"v"}}"#.utf8)
        let headers: HTTPHeaders = [HTTPHeader("X-Etcd-Cluster-Id", "abc")]
        let known = try KeysResponseDecoder.decode(
            status: 200, headers: headers, body: body, endpoint: "http://127.0.0.1:1", knownClusterID: "abc")
        #expect(known.clusterID == "abc")
        let made = try KeysResponseDecoder.decode(status: 200, headers: headers, body: body, endpoint: "http://127.0.0.1:1")
        #expect(made.clusterID == "abc")
        let none = try KeysResponseDecoder.decode(
            status: 200, headers: [], body: body, endpoint: "http://127.0.0.1:1", knownClusterID: "abc")
        #expect(none.clusterID == nil, "no header, no cluster ID")
    }
}
