import Glibc

/// Carries a thread body through `pthread_create`'s untyped context pointer.
private final class ResolverThreadStart {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }
}

/// A detached POSIX thread for one blocking `res_nquery`.
///
/// Not a dispatch queue: libdispatch on Linux adds worker threads slowly while its threads are
/// blocked, so a few lookups waiting on a silent name server delayed other work on the global
/// pool — the lookups' own timeout timers among it — by up to half a second (measured). A
/// lookup is rare (discovery), so one thread each costs nothing noticeable.
enum ResolverThread {
    /// Runs `body` on a new detached thread; `false` if no thread could be made.
    static func run(_ body: @escaping @Sendable () -> Void) -> Bool {
        let context = Unmanaged.passRetained(ResolverThreadStart(body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<ResolverThreadStart>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ResolverThreadStart>.fromOpaque(context).release()
            return false
        }
        pthread_detach(handle)
        return true
    }
}
