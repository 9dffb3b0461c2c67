import CurlTransport
@testable import EtcdV2
import Testing

/// Requests compared with what Go's client sends (its `keys_test.go` and the reference §2.11).
struct KeysRequestBuilderTests {
    @Test(arguments: [
        // Only the flags that are set (Go sends all three; etcd reads a missing one as false).
        (GetOptions(), "/v2/keys/foo"),
        (GetOptions(recursive: true), "/v2/keys/foo?recursive=true"),
        (GetOptions(sorted: true), "/v2/keys/foo?sorted=true"),
        (GetOptions(quorum: true), "/v2/keys/foo?quorum=true"),
        (GetOptions(recursive: true, sorted: true), "/v2/keys/foo?recursive=true&sorted=true"),
        (GetOptions(sorted: true, quorum: true), "/v2/keys/foo?quorum=true&sorted=true"),
        (GetOptions(recursive: true, quorum: true), "/v2/keys/foo?quorum=true&recursive=true"),
        (GetOptions(recursive: true, sorted: true, quorum: true), "/v2/keys/foo?quorum=true&recursive=true&sorted=true"),
    ])
    func get(options: GetOptions, pathAndQuery: String) throws {
        let request = try KeysRequestBuilder.get(key: "/foo", options: options)
        #expect(request == KeysRequest(method: .get, pathAndQuery: pathAndQuery, body: nil, isIdempotent: true, isLongPoll: false))
        #expect(request.headers.isEmpty)
    }

    @Test(arguments: [
        ("foo", "", SetOptions(), "/v2/keys/foo", "value="),
        ("foo", "baz", SetOptions(), "/v2/keys/foo", "value=baz"),
        ("foo", "", SetOptions(prevExist: .exists), "/v2/keys/foo?prevExist=true", "value="),
        ("foo", "", SetOptions(prevExist: .notExists), "/v2/keys/foo?prevExist=false", "value="),
        ("foo", "", SetOptions(prevValue: "bar baz"), "/v2/keys/foo?prevValue=bar+baz", "value="),
        ("foo", "", SetOptions(prevIndex: 12), "/v2/keys/foo?prevIndex=12", "value="),
        ("foo", "", SetOptions(ttl: .after(.seconds(180))), "/v2/keys/foo", "ttl=180&value="),
        ("foo", "", SetOptions(ttl: .after(.seconds(180)), refresh: true), "/v2/keys/foo", "refresh=true&ttl=180&value="),
        ("foo", "", SetOptions(dir: true), "/v2/keys/foo?dir=true", ""),
        ("foo", "", SetOptions(prevExist: .exists, dir: true), "/v2/keys/foo?dir=true&prevExist=true", ""),
        ("foo", "", SetOptions(prevIndex: 3, dir: true), "/v2/keys/foo?dir=true&prevIndex=3", ""),
        ("foo", "", SetOptions(ttl: .after(.seconds(10)), dir: true), "/v2/keys/foo?dir=true", "ttl=10"),
        ("foo", "", SetOptions(noValueOnSuccess: true), "/v2/keys/foo?noValueOnSuccess=true", "value="),
        ("foo", "x", SetOptions(ttl: .clear), "/v2/keys/foo", "ttl=&value=x"),
        ("foo", "x", SetOptions(prevExist: .exists, ttl: .clear), "/v2/keys/foo?prevExist=true", "ttl=&value=x"),
        ("foo", "v=1&x y+z", SetOptions(), "/v2/keys/foo", "value=v%3D1%26x+y%2Bz"),
        ("foo", "ü%\n", SetOptions(), "/v2/keys/foo", "value=%C3%BC%25%0A"),
        ("a b/c", "v", SetOptions(), "/v2/keys/a%20b/c", "value=v"),
        (
            "/k", "v",
            SetOptions(prevValue: "a&b=c;d", prevIndex: 5, prevExist: .exists, ttl: .after(.seconds(30)), noValueOnSuccess: true),
            "/v2/keys/k?noValueOnSuccess=true&prevExist=true&prevIndex=5&prevValue=a%26b%3Dc%3Bd", "ttl=30&value=v"
        ),
    ])
    func set(key: String, value: String, options: SetOptions, pathAndQuery: String, body: String) throws {
        let request = try KeysRequestBuilder.set(key: key, value: value, options: options)
        #expect(request.method == .put)
        #expect(request.pathAndQuery == pathAndQuery)
        #expect(request.bodyText == body)
        #expect(!request.isIdempotent)
        #expect(!request.isLongPoll)
        #expect(request.headers == [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")])
    }

    @Test func createIsSetWithPrevExistFalse() throws {
        let request = try KeysRequestBuilder.create(key: "foo", value: "v")
        #expect(request == KeysRequest(method: .put, path: "/v2/keys/foo", query: [("prevExist", "false")], form: [("value", "v")]))
        let withTTL = try KeysRequestBuilder.create(key: "foo", value: "v", ttl: .after(.seconds(5)))
        #expect(withTTL.pathAndQuery == "/v2/keys/foo?prevExist=false")
        #expect(withTTL.bodyText == "ttl=5&value=v")
    }

    @Test func updateIsSetWithPrevExistTrue() throws {
        let request = try KeysRequestBuilder.update(key: "/foo", value: "v")
        #expect(request.method == .put)
        #expect(request.pathAndQuery == "/v2/keys/foo?prevExist=true")
        #expect(request.bodyText == "value=v")
        let cleared = try KeysRequestBuilder.update(key: "/foo", value: "v", ttl: .clear)
        #expect(cleared.bodyText == "ttl=&value=v")
    }

    @Test(arguments: [
        ("queue", "Job1", nil, "/v2/keys/queue", "value=Job1"),
        ("/queue", "", TTL.after(.seconds(180)), "/v2/keys/queue", "ttl=180&value="),
        ("", "x y", nil, "/v2/keys", "value=x+y"),
        ("/q", "v", TTL.clear, "/v2/keys/q", "ttl=&value=v"),
    ])
    func createInOrder(directory: String, value: String, ttl: TTL?, pathAndQuery: String, body: String) throws {
        let request = try KeysRequestBuilder.createInOrder(directory: directory, value: value, ttl: ttl)
        #expect(request.method == .post)
        #expect(request.pathAndQuery == pathAndQuery)
        #expect(request.bodyText == body)
        #expect(!request.isIdempotent)
        #expect(!request.isLongPoll)
    }

    @Test(arguments: [
        (DeleteOptions(), "/v2/keys/foo"),
        (DeleteOptions(recursive: true), "/v2/keys/foo?recursive=true"),
        (DeleteOptions(dir: true), "/v2/keys/foo?dir=true"),
        (DeleteOptions(prevValue: "bar baz"), "/v2/keys/foo?prevValue=bar+baz"),
        (DeleteOptions(prevIndex: 12), "/v2/keys/foo?prevIndex=12"),
        (DeleteOptions(prevValue: "x", prevIndex: 12, recursive: true, dir: true), "/v2/keys/foo?dir=true&prevIndex=12&prevValue=x&recursive=true"),
    ])
    func delete(options: DeleteOptions, pathAndQuery: String) throws {
        let request = try KeysRequestBuilder.delete(key: "foo", options: options)
        #expect(request == KeysRequest(method: .delete, pathAndQuery: pathAndQuery, body: nil, isIdempotent: false, isLongPoll: false))
    }

    @Test func refreshSendsPrevExistAndNoValue() throws {
        let request = try KeysRequestBuilder.refresh(key: "/ttlkey", ttl: .seconds(200))
        #expect(request.method == .put)
        #expect(request.pathAndQuery == "/v2/keys/ttlkey?prevExist=true")
        #expect(request.bodyText == "refresh=true&ttl=200")
        #expect(!request.isIdempotent)
    }

    @Test(arguments: [
        (WatchOptions(), nil, "/v2/keys/w?wait=true"),
        (WatchOptions(recursive: true), nil, "/v2/keys/w?recursive=true&wait=true"),
        (WatchOptions(afterIndex: 0), nil, "/v2/keys/w?wait=true&waitIndex=1"),
        (WatchOptions(afterIndex: 41), nil, "/v2/keys/w?wait=true&waitIndex=42"),
        (WatchOptions(afterIndex: 41, recursive: true), nil, "/v2/keys/w?recursive=true&wait=true&waitIndex=42"),
        (WatchOptions(afterIndex: 5), 22, "/v2/keys/w?wait=true&waitIndex=22"),
        (WatchOptions(), 22, "/v2/keys/w?wait=true&waitIndex=22"),
        (WatchOptions(afterIndex: UInt64.max - 1), nil, "/v2/keys/w?wait=true&waitIndex=18446744073709551615"),
    ] as [(WatchOptions, UInt64?, String)])
    func watch(options: WatchOptions, waitIndex: UInt64?, pathAndQuery: String) throws {
        let request = try KeysRequestBuilder.watch(key: "w", options: options, waitIndex: waitIndex)
        #expect(request == KeysRequest(method: .get, pathAndQuery: pathAndQuery, body: nil, isIdempotent: true, isLongPoll: true))
    }

    @Test func watchRefusesIndexesEtcdCannotExpress() {
        #expect(throws: EtcdOptionError(kind: .zeroWaitIndex)) {
            try KeysRequestBuilder.watch(key: "w", waitIndex: 0)
        }
        #expect(throws: EtcdOptionError(kind: .afterIndexTooLarge)) {
            try KeysRequestBuilder.watch(key: "w", options: WatchOptions(afterIndex: .max))
        }
    }

    @Test func customPrefixApplies() throws {
        #expect(try KeysRequestBuilder.get(key: "foo", prefix: "/pfx").path == "/pfx/foo")
        #expect(try KeysRequestBuilder.set(key: "/foo/bar", value: "", prefix: "/pfx").pathAndQuery == "/pfx/foo/bar")
        #expect(try KeysRequestBuilder.delete(key: "foo", prefix: "").pathAndQuery == "/foo")
        #expect(try KeysRequestBuilder.watch(key: "a b", prefix: "/v2/keys/esc").path == "/v2/keys/esc/a%20b")
    }

    @Test func everyGetQueryMatchesTheFormEncoding() throws {
        for quorum in [false, true] {
            for recursive in [false, true] {
                for sorted in [false, true] {
                    let request = try KeysRequestBuilder.get(
                        key: "k", options: GetOptions(recursive: recursive, sorted: sorted, quorum: quorum))
                    // The flags that are set, in Go's (alphabetical) order; none: no query.
                    let set = [("quorum", quorum), ("recursive", recursive), ("sorted", sorted)].filter(\.1)
                    let query = PercentEncoding.form(set.map { ($0.0, "true") })
                    #expect(request.pathAndQuery == "/v2/keys/k" + (set.isEmpty ? "" : "?" + query))
                }
            }
        }
    }

    @Test func writtenRequestsMatchThePairEncoding() throws {
        let value = String(repeating: "ü %&+=/~", count: 40)
        let request = try KeysRequestBuilder.set(
            key: "/a b/ü", value: value,
            options: SetOptions(prevValue: value, prevIndex: .max, prevExist: .notExists, ttl: .after(.seconds(Int64.max))))
        #expect(request == KeysRequest(
            method: .put, path: "/v2/keys/a%20b/%C3%BC",
            query: [("prevExist", "false"), ("prevIndex", String(UInt64.max)), ("prevValue", value)],
            form: [("ttl", String(Int64.max)), ("value", value)]))
        let watch = try KeysRequestBuilder.watch(key: "w", options: WatchOptions(recursive: true), waitIndex: 10)
        #expect(watch.pathAndQuery == "/v2/keys/w?recursive=true&wait=true&waitIndex=10")
        let delete = try KeysRequestBuilder.delete(key: "d", options: DeleteOptions(prevValue: "x y", prevIndex: 1, recursive: true, dir: true))
        #expect(delete.pathAndQuery == "/v2/keys/d?dir=true&prevIndex=1&prevValue=x+y&recursive=true")
        #expect(delete.body == nil)
        let refresh = try KeysRequestBuilder.refresh(key: "r", ttl: .seconds(7))
        #expect(refresh.pathAndQuery == "/v2/keys/r?prevExist=true")
        #expect(refresh.bodyText == "refresh=true&ttl=7")
    }
}
