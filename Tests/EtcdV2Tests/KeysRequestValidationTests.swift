@testable import EtcdV2
import Testing

/// What the builders refuse to send: invalid keys, TTLs and conditions.
struct KeysRequestValidationTests {
    /// Every builder, with the key (or directory) and the prefix it is given.
    static let builders: [(String, @Sendable (String, String) throws -> KeysRequest)] = [
        ("get", { try KeysRequestBuilder.get(key: $0, prefix: $1) }),
        ("set", { try KeysRequestBuilder.set(key: $0, value: "v", prefix: $1) }),
        ("create", { try KeysRequestBuilder.create(key: $0, value: "v", prefix: $1) }),
        ("update", { try KeysRequestBuilder.update(key: $0, value: "v", prefix: $1) }),
        ("createInOrder", { try KeysRequestBuilder.createInOrder(directory: $0, value: "v", prefix: $1) }),
        ("delete", { try KeysRequestBuilder.delete(key: $0, prefix: $1) }),
        ("refresh", { try KeysRequestBuilder.refresh(key: $0, ttl: .seconds(5), prefix: $1) }),
        ("watch", { try KeysRequestBuilder.watch(key: $0, prefix: $1) }),
    ]

    @Test(arguments: builders.map(\.0))
    func everyBuilderRefusesInvalidKeysAndPrefixes(name: String) throws {
        let build = try #require(Self.builders.first { $0.0 == name }?.1)
        #expect(throws: EtcdKeyError(key: "a//b", reason: .emptySegment)) { try build("a//b", "/v2/keys") }
        #expect(throws: EtcdKeyError(key: "a/../b", reason: .dotSegment(".."))) { try build("a/../b", "/v2/keys") }
        #expect(throws: EtcdKeyError(key: "a/", reason: .trailingSlash)) { try build("a/", "/v2/keys") }
        #expect(throws: EtcdKeyError(key: "a\u{7F}", reason: .controlCharacter(0x7F))) { try build("a\u{7F}", "/v2/keys") }
        #expect(throws: EtcdKeyError(key: "/v2/keys/", role: .prefix, reason: .trailingSlash)) { try build("a", "/v2/keys/") }
        #expect(try build("a b", "/v2/keys").path == "/v2/keys/a%20b")
    }

    @Test(arguments: [
        Duration.zero, .milliseconds(500), .milliseconds(999), .milliseconds(1500), .seconds(1) + .nanoseconds(1),
        .nanoseconds(1), .seconds(-1), .milliseconds(-500), Duration(secondsComponent: 59, attosecondsComponent: 1),
    ])
    func ttlsBelowASecondOrWithAFractionThrow(duration: Duration) {
        let error = EtcdOptionError(kind: .invalidTTL(duration))
        #expect(throws: error) { try KeysRequestBuilder.set(key: "k", value: "v", options: SetOptions(ttl: .after(duration))) }
        #expect(throws: error) { try KeysRequestBuilder.create(key: "k", value: "v", ttl: .after(duration)) }
        #expect(throws: error) { try KeysRequestBuilder.update(key: "k", value: "v", ttl: .after(duration)) }
        #expect(throws: error) { try KeysRequestBuilder.createInOrder(directory: "q", value: "v", ttl: .after(duration)) }
        #expect(throws: error) { try KeysRequestBuilder.refresh(key: "k", ttl: duration) }
    }

    @Test(arguments: [
        (Duration.seconds(1), "1"),
        (.milliseconds(2000), "2"),
        (.microseconds(3_000_000), "3"),
        (.seconds(86_400), "86400"),
        (.seconds(Int64.max), "9223372036854775807"),
    ])
    func wholeSecondTTLsAreSentAsIs(duration: Duration, seconds: String) throws {
        let set = try KeysRequestBuilder.set(key: "k", value: "v", options: SetOptions(ttl: .after(duration)))
        #expect(set.bodyText == "ttl=\(seconds)&value=v")
        let refresh = try KeysRequestBuilder.refresh(key: "k", ttl: duration)
        #expect(refresh.bodyText == "refresh=true&ttl=\(seconds)")
    }

    @Test(arguments: [
        (SetOptions(prevValue: ""), "v", EtcdOptionError.Kind.emptyPrevValue),
        (SetOptions(prevIndex: 0), "v", .zeroPrevIndex),
        (SetOptions(prevValue: "old", dir: true), "", .prevValueOnDirectory),
        (SetOptions(dir: true), "not empty", .valueOnDirectory),
        (SetOptions(prevValue: "", prevExist: .exists), "v", .emptyPrevValue),
    ])
    func setRefusesConditionsEtcdCannotExpress(options: SetOptions, value: String, kind: EtcdOptionError.Kind) {
        #expect(throws: EtcdOptionError(kind: kind)) {
            try KeysRequestBuilder.set(key: "k", value: value, options: options)
        }
    }

    @Test(arguments: [
        (DeleteOptions(prevValue: ""), EtcdOptionError.Kind.emptyPrevValue),
        (DeleteOptions(prevIndex: 0), .zeroPrevIndex),
        (DeleteOptions(prevValue: "", recursive: true), .emptyPrevValue),
    ])
    func deleteRefusesConditionsEtcdCannotExpress(options: DeleteOptions, kind: EtcdOptionError.Kind) {
        #expect(throws: EtcdOptionError(kind: kind)) {
            try KeysRequestBuilder.delete(key: "k", options: options)
        }
    }

    @Test func onlyReadsAndWatchesAreIdempotentAndOnlyWatchesLongPoll() throws {
        let requests: [(KeysRequest, Bool, Bool)] = [
            (try KeysRequestBuilder.get(key: "k"), true, false),
            (try KeysRequestBuilder.watch(key: "k"), true, true),
            (try KeysRequestBuilder.set(key: "k", value: "v"), false, false),
            (try KeysRequestBuilder.create(key: "k", value: "v"), false, false),
            (try KeysRequestBuilder.update(key: "k", value: "v"), false, false),
            (try KeysRequestBuilder.createInOrder(directory: "k", value: "v"), false, false),
            (try KeysRequestBuilder.delete(key: "k"), false, false),
            (try KeysRequestBuilder.refresh(key: "k", ttl: .seconds(1)), false, false),
        ]
        for (request, idempotent, longPoll) in requests {
            #expect(request.isIdempotent == idempotent, "\(request.method) \(request.pathAndQuery)")
            #expect(request.isLongPoll == longPoll, "\(request.method) \(request.pathAndQuery)")
        }
    }

    @Test func optionErrorsSayWhatToDoInstead() {
        #expect(EtcdOptionError(kind: .invalidTTL(.milliseconds(500))).description.contains("whole seconds, at least 1"))
        #expect(EtcdOptionError(kind: .invalidTTL(.milliseconds(500))).description.contains("ttl=0"))
        #expect(EtcdOptionError(kind: .emptyPrevValue).description.contains("prevIndex"))
        #expect(EtcdOptionError(kind: .zeroPrevIndex).description.contains("nil"))
        #expect(EtcdOptionError(kind: .valueOnDirectory).description.contains("dir=true"))
    }

    @Test func optionsDefaultToUnset() {
        #expect(SetOptions() == SetOptions(prevValue: nil, prevIndex: nil, prevExist: nil, ttl: nil, refresh: false, dir: false, noValueOnSuccess: false))
        #expect(GetOptions() == GetOptions(recursive: false, sorted: false, quorum: false))
        #expect(DeleteOptions() == DeleteOptions(prevValue: nil, prevIndex: nil, recursive: false, dir: false))
        #expect(WatchOptions() == WatchOptions(afterIndex: nil, recursive: false))
    }
}
