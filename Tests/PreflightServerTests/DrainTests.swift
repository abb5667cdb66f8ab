import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PreflightServer

/// The API while the server drains (after SIGTERM): new requests are turned away in words with
/// `Retry-After`, `/healthz` says `draining`, `/metrics` is still served; and ``ShutdownDrain`` waits
/// for exactly the requests it admitted.
@Suite("Shutdown drain")
struct DrainTests {
    @Test("while draining, new requests answer 503 with Retry-After; /healthz 503 draining; /metrics still served")
    func drainingAnswers() async throws {
        let drain = ShutdownDrain(retryAfterSeconds: 3)
        try await withTestAPI(drain: drain) { client, context in
            let before = try await client.execute(uri: "/healthz", method: .get)
            #expect(before.status == .ok)
            drain.beginDraining()

            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(health.text == #"{"status":"draining"}"#)

            let ping = try await client.ping(
                #"{"type":"postgresql","sharedConfig":{"host":"h"}}"#, headers: context.auth)
            #expect(ping.status == .serviceUnavailable)
            #expect(ping.headers[.retryAfter] == "3")
            let error = try JSONDecoder().decode([String: String].self, from: Data(buffer: ping.body))["error"]
            #expect(error?.contains("shutting down") == true, "\(ping.text)")
            #expect(error?.contains("retry after 3 seconds") == true, "\(ping.text)")

            let tunnels = try await client.execute(uri: "/ssh-tunnels", method: .get, headers: context.auth)
            #expect(tunnels.status == .serviceUnavailable)
            #expect(tunnels.headers[.retryAfter] == "3")

            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: context.auth)
            #expect(metrics.status == .ok)
        }
    }

    @Test("waitUntilIdle returns when the last admitted request is answered, not before")
    func waitsForAdmitted() async throws {
        let drain = ShutdownDrain()
        #expect(drain.admit())
        #expect(drain.admit())
        #expect(drain.beginDraining() == 2)
        #expect(!drain.admit(), "a request was admitted after draining began")
        #expect(await drain.waitUntilIdle(atMost: .zero) == false)
        let waiter = Task { await drain.waitUntilIdle(atMost: .seconds(600)) }
        drain.finish()
        #expect(drain.requestsInFlight == 1)
        drain.finish()
        #expect(await waiter.value == true)
        #expect(drain.requestsInFlight == 0)
    }

    @Test("an idle server drains at once; a cancelled wait returns")
    func idleAndCancelled() async throws {
        let idle = ShutdownDrain()
        #expect(idle.beginDraining() == 0)
        #expect(await idle.waitUntilIdle(atMost: .seconds(600)))

        let busy = ShutdownDrain()
        #expect(busy.admit())
        busy.beginDraining()
        let waiter = Task { await busy.waitUntilIdle(atMost: .seconds(600)) }
        waiter.cancel()
        #expect(await waiter.value == false)
        busy.finish()
    }
}
