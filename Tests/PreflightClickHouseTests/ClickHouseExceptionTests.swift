import PreflightClickHouse
import PreflightCore
import Testing

/// ClickHouse's HTTP error bodies (old and new formats) and their categories.
struct ClickHouseExceptionTests {
    func map(_ body: String, status: Int = 500, header: String? = nil, passwordGiven: Bool = true) throws
        -> ProbeFailure
    {
        let exception = try #require(ClickHouseException.parse(body: body, codeHeader: header))
        return ClickHouseErrorMapping.failure(
            exception, status: status, user: "cdc", database: "analytics", passwordGiven: passwordGiven,
            server: "ch:8443")
    }

    @Test func oldFormat() throws {
        let exception = try #require(
            ClickHouseException.parse(
                body:
                    "Code: 193, e.displayText() = DB::Exception: Wrong password for user default, e.what() = DB::Exception\n"
            ))
        #expect(
            exception
                == ClickHouseException(code: 193, name: "WRONG_PASSWORD", message: "Wrong password for user default"))
        #expect(exception.summary == "Code: 193 WRONG_PASSWORD: Wrong password for user default")
    }

    @Test func newFormat() throws {
        let body =
            "Code: 516. DB::Exception: cdc: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 23.8.2.7 (official build))\n"
        let exception = try #require(ClickHouseException.parse(body: body, codeHeader: "516"))
        #expect(exception.code == 516)
        #expect(exception.name == "AUTHENTICATION_FAILED")
        #expect(
            exception.message == "cdc: Authentication failed: password is incorrect, or there is no user with such name"
        )
    }

    @Test func intermediateFormatWithStackTrace() throws {
        let body =
            "Code: 81, e.displayText() = DB::Exception: Database nope doesn't exist, Stack trace (when copying this message, always include the lines below):\n\n0. DB::Exception..."
        let exception = try #require(ClickHouseException.parse(body: body))
        #expect(exception.code == 81)
        #expect(exception.message == "Database nope doesn't exist")
    }

    @Test func headerAloneGivesTheCode() throws {
        let exception = try #require(ClickHouseException.parse(body: "something went wrong", codeHeader: "497"))
        #expect(exception.code == 497)
        #expect(exception.name == "ACCESS_DENIED")
        #expect(ClickHouseException.parse(body: "<html>502 Bad Gateway</html>") == nil)
    }

    @Test func categories() throws {
        #expect(try map("Code: 516. DB::Exception: x (AUTHENTICATION_FAILED)", status: 401).category == .auth)
        #expect(try map("Code: 192, e.displayText() = DB::Exception: Unknown user cdc").category == .auth)
        #expect(try map("Code: 193, e.displayText() = DB::Exception: Wrong password for user cdc").category == .auth)
        let required = try map(
            "Code: 194, e.displayText() = DB::Exception: Password required for user cdc", passwordGiven: false)
        #expect(required.category == .auth)
        #expect(required.message.contains("requires a password"))
        #expect(try map("Code: 195. DB::Exception: x (IP_ADDRESS_NOT_ALLOWED)").category == .auth)
        #expect(
            try map("Code: 81. DB::Exception: Database analytics doesn't exist. (UNKNOWN_DATABASE)", status: 404)
                .category == .databaseNotFound)
        let denied = try map("Code: 497. DB::Exception: cdc: Not enough privileges. (ACCESS_DENIED)", status: 403)
        #expect(denied.category == .permission)
        #expect(denied.hint?.contains("GRANT SELECT ON analytics.*") == true)
        #expect(
            try map("Code: 291, e.displayText() = DB::Exception: Access denied to database analytics for user cdc")
                .category == .permission)
        #expect(try map("Code: 202. DB::Exception: Too many simultaneous queries").category == .serverUnavailable)
        #expect(try map("Code: 999. DB::Exception: odd", status: 500).category == .serverUnavailable)
        #expect(try map("Code: 999. DB::Exception: odd", status: 400).category == .protocolMismatch)
    }
}
