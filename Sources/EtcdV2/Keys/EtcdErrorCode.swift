extension EtcdError {
    /// An etcd v2 error code (JSON `errorCode`).
    ///
    /// Every code of etcd's `v2error/error.go` has a constant, named after the Go constant
    /// (`EcodeKeyNotFound` is ``keyNotFound``), including the legacy codes etcd 3.4 no longer
    /// sends. Any other number is kept as it is and has no ``name``.
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The number etcd sent.
        public var rawValue: Int

        /// Wraps any number, known or not.
        ///
        /// - Parameter rawValue: The JSON `errorCode`.
        public init(rawValue: Int) {
            self.rawValue = rawValue
        }

        /// 100, HTTP 404: "Key not found".
        public static let keyNotFound = Code(rawValue: 100)
        /// 101, HTTP 412: "Compare failed" (a `prevValue`/`prevIndex` condition).
        public static let testFailed = Code(rawValue: 101)
        /// 102, HTTP 403: "Not a file".
        public static let notFile = Code(rawValue: 102)
        /// 103 (legacy): "Reached the max number of peers in the cluster".
        public static let noMorePeer = Code(rawValue: 103)
        /// 104, HTTP 400: "Not a directory".
        public static let notDir = Code(rawValue: 104)
        /// 105, HTTP 412: "Key already exists".
        public static let nodeExist = Code(rawValue: 105)
        /// 106 (legacy): "The prefix of given key is a keyword in etcd".
        public static let keyIsPreserved = Code(rawValue: 106)
        /// 107, HTTP 400: "Root is read only".
        public static let rootROnly = Code(rawValue: 107)
        /// 108, HTTP 403: "Directory not empty".
        public static let dirNotEmpty = Code(rawValue: 108)
        /// 109 (legacy): "Peer address has existed".
        public static let existingPeerAddr = Code(rawValue: 109)
        /// 110, HTTP 401: "The request requires user authentication".
        public static let unauthorized = Code(rawValue: 110)

        /// 200 (legacy): "Value is Required in POST form".
        public static let valueRequired = Code(rawValue: 200)
        /// 201, HTTP 400: "PrevValue is Required in POST form" (an empty `prevValue`).
        public static let prevValueRequired = Code(rawValue: 201)
        /// 202, HTTP 400: "The given TTL in POST form is not a number".
        public static let ttlNaN = Code(rawValue: 202)
        /// 203, HTTP 400: "The given index in POST form is not a number".
        public static let indexNaN = Code(rawValue: 203)
        /// 204 (legacy): "Value or TTL is required in POST form".
        public static let valueOrTTLRequired = Code(rawValue: 204)
        /// 205 (legacy): "The given timeout in POST form is not a number".
        public static let timeoutNaN = Code(rawValue: 205)
        /// 206 (legacy): "Name is required in POST form".
        public static let nameRequired = Code(rawValue: 206)
        /// 207 (legacy): "Index or value is required".
        public static let indexOrValueRequired = Code(rawValue: 207)
        /// 208 (legacy): "Index and value cannot both be specified".
        public static let indexValueMutex = Code(rawValue: 208)
        /// 209, HTTP 400: "Invalid field" (a malformed boolean, or `wait` on a write).
        public static let invalidField = Code(rawValue: 209)
        /// 210, HTTP 400: "Invalid POST form".
        public static let invalidForm = Code(rawValue: 210)
        /// 211, HTTP 400: "Value provided on refresh".
        public static let refreshValue = Code(rawValue: 211)
        /// 212, HTTP 400: "A TTL must be provided on refresh".
        public static let refreshTTLRequired = Code(rawValue: 212)

        /// 300, HTTP 500: "Raft Internal Error"; the cause is the server error, e.g.
        /// `etcdserver: request timed out`.
        public static let raftInternal = Code(rawValue: 300)
        /// 301, HTTP 500: "During Leader Election".
        public static let leaderElect = Code(rawValue: 301)

        /// 400, HTTP 400: "watcher is cleared due to etcd recovery".
        public static let watcherCleared = Code(rawValue: 400)
        /// 401, HTTP 400 (not 401): "The event in requested index is outdated and cleared".
        public static let eventIndexCleared = Code(rawValue: 401)
        /// 402 (legacy): "Standby Internal Error".
        public static let standbyInternal = Code(rawValue: 402)
        /// 403 (legacy): "Invalid active size".
        public static let invalidActiveSize = Code(rawValue: 403)
        /// 404 (legacy): "Standby remove delay".
        public static let invalidRemoveDelay = Code(rawValue: 404)

        /// 500 (legacy): "Client Internal Error".
        public static let clientInternal = Code(rawValue: 500)

        private static let names: [Int: String] = [
            100: "keyNotFound", 101: "testFailed", 102: "notFile", 103: "noMorePeer",
            104: "notDir", 105: "nodeExist", 106: "keyIsPreserved", 107: "rootROnly",
            108: "dirNotEmpty", 109: "existingPeerAddr", 110: "unauthorized",
            200: "valueRequired", 201: "prevValueRequired", 202: "ttlNaN", 203: "indexNaN",
            204: "valueOrTTLRequired", 205: "timeoutNaN", 206: "nameRequired",
            207: "indexOrValueRequired", 208: "indexValueMutex", 209: "invalidField",
            210: "invalidForm", 211: "refreshValue", 212: "refreshTTLRequired",
            300: "raftInternal", 301: "leaderElect",
            400: "watcherCleared", 401: "eventIndexCleared", 402: "standbyInternal",
            403: "invalidActiveSize", 404: "invalidRemoveDelay",
            500: "clientInternal",
        ]

        /// Every code etcd's `v2error/error.go` defines, in numeric order.
        public static let allKnown: [Code] = names.keys.sorted().map(Code.init(rawValue:))

        /// The constant's name, e.g. `"keyNotFound"`; `nil` for a code etcd does not define.
        public var name: String? { Self.names[rawValue] }

        /// Whether etcd defines the code.
        public var isKnown: Bool { name != nil }

        /// The number and name, e.g. `100 (keyNotFound)`, or `999 (unknown)`.
        public var description: String { "\(rawValue) (\(name ?? "unknown"))" }

        /// Decodes the code from a JSON number.
        ///
        /// - Parameter decoder: The decoder to read from.
        /// - Throws: `DecodingError` when the value is not an integer.
        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(Int.self)
        }

        /// Encodes the code as a JSON number.
        ///
        /// - Parameter encoder: The encoder to write to.
        /// - Throws: Whatever `encoder` throws.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }
}
