import Glibc
import Synchronization

/// A `Synchronization.Mutex` that ThreadSanitizer can see.
///
/// On Linux, Swift 6.3's `Mutex` locks with raw futex calls inside the (uninstrumented)
/// Synchronization library, so ThreadSanitizer sees no happens-before edge between two
/// critical sections and reports every access inside `withLock` as a race. This wrapper
/// keeps the `Mutex` and, when the process runs under ThreadSanitizer, tells it about
/// the lock with `__tsan_acquire` / `__tsan_release` (looked up at run time, so normal
/// builds pay one `nil` check per lock).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    /// Wraps `value`.
    init(_ value: Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with exclusive access to the value.
    func withLock<Result: Sendable, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let token = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        return try mutex.withLock { (value: inout sending Value) throws(Failure) -> Result in
            SanitizerHooks.shared.acquire?(token)
            defer { SanitizerHooks.shared.release?(token) }
            return try body(&value)
        }
    }
}

/// ThreadSanitizer's annotation entry points, if its runtime is in the process.
struct SanitizerHooks: @unchecked Sendable {
    typealias Annotation = @convention(c) (UnsafeRawPointer) -> Void

    /// `__tsan_acquire`: the current thread now happens-after every release of `address`.
    let acquire: Annotation?
    /// `__tsan_release`: later acquires of `address` happen-after this point.
    let release: Annotation?

    static let shared = SanitizerHooks(
        acquire: dlsym(nil, "__tsan_acquire").map { unsafeBitCast($0, to: Annotation.self) },
        release: dlsym(nil, "__tsan_release").map { unsafeBitCast($0, to: Annotation.self) })
}
