import Testing

@testable import PreflightPostgres

/// The unreadable tables come back as `quote_ident` names joined by commas; a quoted name may hold commas and
/// doubled quotes, and must come back whole.
@Suite("PostgresQueries.splitQuotedList (pure)")
struct PostgresQuotedListTests {
    @Test func namesWithCommasAndQuotesStayWhole() {
        #expect(PostgresQueries.splitQuotedList("") == [])
        #expect(PostgresQueries.splitQuotedList("public.a") == ["public.a"])
        #expect(PostgresQueries.splitQuotedList("public.a,public.b") == ["public.a", "public.b"])
        #expect(
            PostgresQueries.splitQuotedList(#"public."a,b",public.c"#) == [#"public."a,b""#, "public.c"])
        #expect(
            PostgresQueries.splitQuotedList(#""S, 1"."x ""y"", z",public.t"#)
                == [#""S, 1"."x ""y"", z""#, "public.t"])
        #expect(PostgresQueries.splitQuotedList("a,,b") == ["a", "", "b"])
    }
}
