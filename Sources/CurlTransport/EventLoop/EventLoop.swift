internal import CEpoll
import Dispatch
import Synchronization

import Glibc

/// What an ``EventLoop`` reports, on its thread.
protocol EventLoopHandler: AnyObject {
    /// A registered descriptor is ready; `events` is the epoll mask that fired.
    func descriptorReady(_ fd: Int32, events: UInt32)
    /// The time last passed to ``EventLoop/wakeUp(at:)`` (or an earlier one) has come.
    func timerFired()
}

/// One thread that waits in `epoll_wait` and runs everything the transport does: readiness of
/// libcurl's sockets, one `timerfd` for every deadline, and work posted from other threads
/// (behind an `eventfd` doorbell). It is also a `TaskExecutor`, so a task that prefers it runs
/// its code between two events on the same thread, and a request from it crosses no thread at
/// all: the request starts inline, and its continuation resumes back onto this loop.
///
/// The shape of curl's `docs/examples/multi-uv.c` (and of SwiftNIO's `SelectableEventLoop`),
/// without libuv: this replaced a serial `DispatchQueue` with one `DispatchSource` per socket,
/// whose every event went from libdispatch's manager thread to a worker thread first
/// (`docs/performance.md`).
///
/// Threading contract: ``execute(_:)``, ``enqueue(_:)`` and ``requestStop()`` may be called
/// from any thread; ``wakeUp(at:)``, ``control(_:_:events:)`` and the handler run on the loop's
/// thread only. After the loop stopped, posted work runs on a serial fallback queue instead, so
/// late work (a cancellation, a task that still prefers this executor) is never lost.
final class EventLoop: @unchecked Sendable {
    private enum Job {
        case closure(@Sendable () -> Void)
        case task(UnownedJob)
    }

    private let epollFD: Int32
    private let doorbellFD: Int32
    private let timerFD: Int32
    private let fallback: DispatchQueue
    /// `pthread_self()` of the loop's thread, 0 until it runs.
    private let threadID = Atomic<UInt>(0)

    private let lock = PThreadLock()
    // Guarded by `lock`. Exclusivity unchecked here and below: every access is under the lock
    // or on the loop's thread and none overlaps another, so the runtime's dynamic check (a
    // `swift_beginAccess` call each time, several per request) has nothing to catch.
    @exclusivity(unchecked) private var queued: [Job] = []
    @exclusivity(unchecked) private var sleeping = false
    @exclusivity(unchecked) private var doorbellRung = false
    @exclusivity(unchecked) private var stopRequested = false
    @exclusivity(unchecked) private var stopped = false

    // The loop's thread only:
    /// Set before ``start()``, released when the loop stops.
    var handler: (any EventLoopHandler)?
    @exclusivity(unchecked) private var running: [Job] = []
    @exclusivity(unchecked) private var timerArmedAt: UInt64?

    /// Creates the loop's descriptors; ``start()`` starts its thread.
    init(label: String) throws(TransportError) {
        let epollFD = ccepoll_create()
        let doorbellFD = ccepoll_eventfd()
        let timerFD = ccepoll_timerfd()
        guard epollFD >= 0, doorbellFD >= 0, timerFD >= 0 else {
            let code = errno
            for fd in [epollFD, doorbellFD, timerFD] where fd >= 0 { close(fd) }
            throw TransportError(
                kind: .other, delivery: .notSent, endpoint: "",
                message: "the transport's event loop could not be created (errno \(code))")
        }
        self.epollFD = epollFD
        self.doorbellFD = doorbellFD
        self.timerFD = timerFD
        fallback = DispatchQueue(label: label + ".after-stop")
        _ = ccepoll_control(epollFD, ccepoll_add, doorbellFD, ccepoll_in)
        _ = ccepoll_control(epollFD, ccepoll_add, timerFD, ccepoll_in)
    }

    deinit {
        close(epollFD)
        close(doorbellFD)
        close(timerFD)
    }

    /// Starts the loop's thread, which keeps the loop alive until it stops.
    func start(name: String) throws(TransportError) {
        let context = Unmanaged.passRetained(LoopStart(loop: self, name: name)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, eventLoopThreadMain, context)
        guard code == 0 else {
            Unmanaged<LoopStart>.fromOpaque(context).release()
            throw TransportError(
                kind: .other, delivery: .notSent, endpoint: "",
                message: "the transport's event loop thread could not be started (error \(code))")
        }
        pthread_detach(thread)
    }

    /// Whether the caller runs on the loop's thread.
    var inLoop: Bool {
        threadID.load(ordering: .relaxed) == UInt(pthread_self())
    }

    // MARK: Posting work

    /// Runs `work` on the loop's thread, after what is already queued.
    func execute(_ work: @escaping @Sendable () -> Void) {
        post(.closure(work))
    }

    private func post(_ job: Job) {
        let acceptedByLoop = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            queued.append(job)
            if sleeping, !doorbellRung {
                doorbellRung = true
                // Rung under the lock: the descriptor stays valid, whatever the loop does next.
                ccepoll_ring(doorbellFD)
            }
            return true
        }
        if !acceptedByLoop {
            fallback.async { self.run(job) }
        }
    }

    /// Lets the loop's thread end once the work queued so far has run.
    func requestStop() {
        lock.withLock {
            stopRequested = true
            if sleeping, !doorbellRung {
                doorbellRung = true
                ccepoll_ring(doorbellFD)
            }
        }
    }

    // MARK: On the loop's thread

    /// Makes ``EventLoopHandler/timerFired()`` run no later than `deadline`
    /// (`CLOCK_MONOTONIC` nanoseconds). A timer already set to fire earlier is left alone: the
    /// handler then finds nothing due and asks again.
    func wakeUp(at deadline: UInt64) {
        if let armed = timerArmedAt, armed <= deadline { return }
        timerArmedAt = deadline
        _ = ccepoll_timer_arm(timerFD, deadline)
    }

    /// `epoll_ctl`; returns 0 or the `errno`.
    func control(_ operation: Int32, _ fd: Int32, events: UInt32) -> Int32 {
        ccepoll_control(epollFD, operation, fd, events)
    }

    fileprivate func run() {
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        let capacity: Int32 = 256
        let ready = UnsafeMutablePointer<ccepoll_ready>.allocate(capacity: Int(capacity))
        defer { ready.deallocate() }
        while true {
            // What was queued when the turn began; work it posts (a continuation resuming a task
            // on this loop) waits for the next turn, after one look at the sockets and the timer
            // (`epoll_wait` with a zero timeout): with many tasks on this executor, draining
            // round after round delayed timeouts by tens of milliseconds.
            _ = runQueuedJobs()
            let timeout = lock.withLock { () -> Int32? in
                if !queued.isEmpty { return 0 }
                if stopRequested {
                    stopped = true
                    return nil
                }
                sleeping = true
                return -1
            }
            guard let timeout else { break }
            let count = ccepoll_wait(epollFD, ready, capacity, timeout)
            if timeout != 0 {
                lock.withLock {
                    sleeping = false
                    doorbellRung = false
                }
            }
            guard count > 0 else { continue }  // EINTR, or nothing within a zero timeout
            for i in 0..<Int(count) {
                let event = ready[i]
                if event.fd == doorbellFD {
                    ccepoll_drain(doorbellFD)
                } else if event.fd == timerFD {
                    ccepoll_drain(timerFD)
                    timerArmedAt = nil
                    handler?.timerFired()
                } else {
                    handler?.descriptorReady(event.fd, events: event.events)
                }
            }
        }
        handler = nil
        threadID.store(0, ordering: .relaxed)
    }

    /// Runs what was queued when it was called; returns whether anything was.
    private func runQueuedJobs() -> Bool {
        lock.withLock { swap(&queued, &running) }
        guard !running.isEmpty else { return false }
        for job in running { run(job) }
        running.removeAll(keepingCapacity: true)
        return true
    }

    private func run(_ job: Job) {
        switch job {
        case .closure(let work): work()
        case .task(let task): task.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        post(.task(UnownedJob(job)))
    }
}

/// What the new thread needs: the loop and its name.
private final class LoopStart {
    let loop: EventLoop
    let name: String

    init(loop: EventLoop, name: String) {
        self.loop = loop
        self.name = name
    }
}

private func eventLoopThreadMain(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    let start = Unmanaged<LoopStart>.fromOpaque(context).takeRetainedValue()
    ccepoll_name_thread(String(start.name.prefix(15)))
    start.loop.run()
    return nil
}
