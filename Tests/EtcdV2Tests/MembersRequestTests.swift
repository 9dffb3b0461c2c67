import CurlTransport
@testable import EtcdV2
import Testing

/// Members requests, byte for byte, and the checks made before sending.
struct MembersRequestTests {
    @Test func requests() throws {
        #expect(MembersRequestBuilder.list() == AdminRequest(method: .get, path: "/v2/members"))
        #expect(MembersRequestBuilder.leader() == AdminRequest(method: .get, path: "/v2/members/leader"))
        let add = try MembersRequestBuilder.add(peerURL: "http://10.0.0.4:2380")
        #expect(add.method == .post)
        #expect(add.path == "/v2/members")
        #expect(add.bodyText == #"{"peerURLs":["http://10.0.0.4:2380"]}"#)
        #expect(add.headers == [HTTPHeader("Content-Type", "application/json")])
        #expect(!add.isIdempotent)
        let update = try MembersRequestBuilder.update(id: "8e9e05c52164694d", peerURLs: ["http://a:1", "https://b:2"])
        #expect(update.method == .put)
        #expect(update.path == "/v2/members/8e9e05c52164694d")
        #expect(update.bodyText == #"{"peerURLs":["http://a:1","https://b:2"]}"#)
        #expect(update.isIdempotent)
        let remove = try MembersRequestBuilder.remove(id: "ABC")
        #expect(remove == AdminRequest(method: .delete, path: "/v2/members/ABC", isIdempotent: true))
        #expect(remove.headers.isEmpty)
        #expect(remove.isIdempotent)
        #expect(MembersRequestBuilder.list().isIdempotent)
    }

    @Test(arguments: [
        "http://127.0.0.1:2380", "https://etcd-1.example.com:2380", "http://[::1]:2380", "unix://sock:1",
        "unixs://host:65535", "http://h:1",
    ])
    func acceptedPeerURLs(url: String) throws {
        try MembersRequestBuilder.validatePeerURL(url)
    }

    @Test(arguments: [
        ("", "no scheme"), ("127.0.0.1:2380", "no scheme"), ("ftp://h:1", "scheme"), ("HTTP://h:1", "scheme"),
        ("http://h", "no port"), ("http://h:", "port"), ("http://h:0", "port"), ("http://h:65536", "port"),
        ("http://h:80a", "port"), ("http://:2380", "host"), ("http://h:1/", "path"), ("http://h:1/x", "path"),
        ("http://h:1?q", "path"), ("http://h:1#f", "path"), ("http://u@h:1", "user info"), ("http://h :1", "0x20"),
        ("http://::1:2380", "host"), ("http://[::1:2380", "host"), ("http://h:1\n", "0xa"),
    ])
    func refusedPeerURLs(url: String, reason: String) {
        #expect {
            try MembersRequestBuilder.add(peerURL: url)
        } throws: { error in
            guard let error = error as? EtcdMembersError else { return false }
            return error.kind == .invalidPeerURL && error.message.contains(reason) && error.status == nil
        }
    }

    @Test func updateNeedsAPeerURLAndValidatesEach() {
        #expect(throws: EtcdMembersError(kind: .invalidPeerURL, message: "a member needs at least one peer URL")) {
            try MembersRequestBuilder.update(id: "1", peerURLs: [])
        }
        #expect { try MembersRequestBuilder.update(id: "1", peerURLs: ["http://a:1", "http://b"]) } throws: {
            ($0 as? EtcdMembersError)?.kind == .invalidPeerURL
        }
    }

    @Test(arguments: ["", "xyz", "12345678901234567", "8e9e/05", "../x", "0x12", " 1"])
    func refusedMemberIDs(id: String) {
        for build in [
            { try MembersRequestBuilder.remove(id: id) },
            { try MembersRequestBuilder.update(id: id, peerURLs: ["http://a:1"]) },
        ] {
            #expect { try build() } throws: { ($0 as? EtcdMembersError)?.kind == .memberNotFound }
        }
    }
}
