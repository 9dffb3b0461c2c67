import Glibc

/// A `pthread_mutex_t` on the heap: the event loop's one lock.
///
/// Not `Synchronization.Mutex`: on Linux that locks with raw futex calls inside an
/// uninstrumented library, so ThreadSanitizer (which CI runs the transport suite under) sees no
/// ordering between critical sections. ThreadSanitizer understands `pthread_mutex_lock`.
final class PThreadLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    @inline(__always)
    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
