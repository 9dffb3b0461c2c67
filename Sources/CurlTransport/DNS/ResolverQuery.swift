internal import CResolv
import Glibc

/// One blocking SRV query through a private libresolv context (`res_ninit`, `res_nquery`,
/// `res_nclose`), optionally aimed at one explicit name server. Thread-safe: every call has its
/// own `res_state`. Runs on ``SRVLookup``'s queue, never on the cooperative pool.
enum ResolverQuery {
    /// How many tries libresolv makes and how long each waits, in its whole seconds.
    struct Attempts: Equatable {
        /// `res_state.retrans`: seconds per try.
        var secondsPerTry: Int32
        /// `res_state.retry`: number of tries.
        var tries: Int32

        /// Two tries that together cover `timeout` in whole seconds (one try for a second or less).
        /// ``SRVLookup`` enforces `timeout` itself to the millisecond; these bound how long the
        /// blocked thread lingers after it gave up (about a second at most).
        init(covering timeout: Duration) {
            let milliseconds = max(0, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            let seconds = Int32(clamping: (milliseconds + 999) / 1000)
            if seconds < 2 {
                self.init(secondsPerTry: 1, tries: 1)
            } else {
                self.init(secondsPerTry: (seconds + 1) / 2, tries: 2)
            }
        }

        init(secondsPerTry: Int32, tries: Int32) {
            self.secondsPerTry = secondsPerTry
            self.tries = tries
        }
    }

    /// Asks for the SRV records of `name` (absolute: no search list is applied) and waits.
    static func srv(name: String, nameServer: DNSNameServer?, attempts: Attempts) -> Result<[SRVRecord], DNSLookupError> {
        let server = nameServer?.description ?? "system resolver"
        func failure(_ kind: DNSLookupError.Kind, _ detail: String) -> Result<[SRVRecord], DNSLookupError> {
            .failure(DNSLookupError(kind: kind, name: name, nameServer: server, detail: detail))
        }
        guard !name.isEmpty, name.utf8.count < Int(cresolv_max_name), !name.utf8.contains(0) else {
            return failure(.invalidName, "not a DNS name")
        }
        let state = UnsafeMutablePointer<__res_state>.allocate(capacity: 1)
        state.initialize(to: __res_state())
        defer {
            state.deinitialize(count: 1)
            state.deallocate()
        }
        guard cresolv_ninit(state) == 0 else { return failure(.resolverUnavailable, "res_ninit failed") }
        defer { cresolv_nclose(state) }
        if let nameServer, !use(nameServer, in: state) {
            return failure(.resolverUnavailable, "cannot set the name server \(nameServer)")
        }
        state.pointee.retrans = attempts.secondsPerTry
        state.pointee.retry = attempts.tries
        state.pointee.options &= ~UInt(RES_ROTATE)
        // A non-zero pfcode makes res_send hand back a SERVFAIL/REFUSED answer instead of
        // dropping it, which ends in ETIMEDOUT: a refusing server would look like a silent one
        // (glibc's "don't retry if called from dig"; tested).
        state.pointee.pfcode = UInt(RES_PRF_REPLY)

        var answer = [UInt8](repeating: 0, count: Int(cresolv_max_packet))
        errno = 0
        let length = answer.withUnsafeMutableBufferPointer { buffer in
            cresolv_nquery(state, name, cresolv_class_in, cresolv_type_srv, buffer.baseAddress, Int32(buffer.count))
        }
        let systemError = errno
        guard length >= 0 else {
            let failed = ResolverFailure(hErrno: state.pointee.res_h_errno, errno: systemError)
            return failure(failed.kind, failed.detail)
        }
        do {
            return .success(try SRVAnswerParser.records(in: Array(answer.prefix(Int(length)))))
        } catch {
            return failure(.malformedAnswer, error.detail)
        }
    }

    /// Makes `nameServer` the context's only server.
    private static func use(_ nameServer: DNSNameServer, in state: res_state) -> Bool {
        if var address = nameServer.socketAddress4() {
            cresolv_use_nameserver4(state, &address)
            return true
        }
        guard var address = nameServer.socketAddress6() else { return false }
        return cresolv_use_nameserver6(state, &address) == 0
    }
}

/// What a failed `res_nquery` means, from the context's `h_errno` and the thread's `errno`.
struct ResolverFailure: Equatable {
    var kind: DNSLookupError.Kind
    var detail: String

    /// glibc reports `NXDOMAIN` as `HOST_NOT_FOUND`, an empty answer as `NO_DATA`, `SERVFAIL` as
    /// `TRY_AGAIN` and `REFUSED`/`NOTIMP`/`FORMERR` as `NO_RECOVERY`. When no answer came at all
    /// it also says `TRY_AGAIN`, and `errno` tells why: `ETIMEDOUT` (no answer in time) or
    /// `ECONNREFUSED` (every try was refused, e.g. an ICMP port unreachable).
    init(hErrno: Int32, errno: Int32) {
        switch hErrno {
        case HOST_NOT_FOUND:
            self.init(kind: .noSuchName, detail: "no such name (NXDOMAIN)")
        case NO_DATA:
            self.init(kind: .noRecords, detail: "the name has no SRV records")
        case TRY_AGAIN where errno == ETIMEDOUT:
            self.init(kind: .timeout, detail: "the name server did not answer")
        case TRY_AGAIN where [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(errno):
            self.init(kind: .unreachable, detail: "the name server cannot be reached: \(Self.describe(errno))")
        case TRY_AGAIN:
            self.init(kind: .serverFailure, detail: "the name server failed (SERVFAIL)")
        case NO_RECOVERY:
            self.init(kind: .serverFailure, detail: "the name server refused or could not handle the query")
        default:
            self.init(kind: .serverFailure, detail: "resolver error h_errno=\(hErrno), \(Self.describe(errno))")
        }
    }

    init(kind: DNSLookupError.Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    private static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
