import Glibc

/// Carries a thread body through `pthread_create`'s untyped context pointer.
private final class ThreadStart {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }
}

/// A POSIX thread that must be joined: ``LoopbackServer`` joins every thread it
/// started before ``LoopbackServer/shutdown()`` returns, so no work outlives a test.
///
/// pthreads are used directly (rather than Foundation's `Thread`) because
/// `pthread_join` is a real join that ThreadSanitizer understands.
struct JoinableThread: Sendable {
    private let handle: pthread_t

    private init(handle: pthread_t) {
        self.handle = handle
    }

    /// Starts `body` on a new thread.
    static func spawn(_ body: @escaping @Sendable () -> Void) throws -> JoinableThread {
        let context = Unmanaged.passRetained(ThreadStart(body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            let start = Unmanaged<ThreadStart>.fromOpaque(raw).takeRetainedValue()
            start.body()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(context).release()
            throw SocketError(operation: "pthread_create", code: result)
        }
        return JoinableThread(handle: handle)
    }

    /// Waits for the thread to finish. Call exactly once.
    func join() {
        _ = pthread_join(handle, nil)
    }
}
