import PreflightCore
import PreflightHTTP
import Testing

@Suite("HTTPStatusCategory")
struct HTTPStatusCategoryTests {
    @Test func theTable() {
        #expect(HTTPStatusCategory(status: 401)?.category == .auth)
        #expect(HTTPStatusCategory(status: 403)?.category == .permission)
        #expect(HTTPStatusCategory(status: 404)?.category == .databaseNotFound)
        #expect(HTTPStatusCategory(status: 408)?.category == .timeout)
        for status in [429, 500, 502, 503, 504, 599] {
            #expect(HTTPStatusCategory(status: status)?.category == .serverUnavailable)
            #expect(HTTPStatusCategory(status: status)?.transient == true)
            #expect(HTTPStatusCategory.isUnavailable(status))
        }
        for status in [200, 204, 301, 400, 405, 409, 419, 600] {
            #expect(HTTPStatusCategory(status: status) == nil)
            #expect(!HTTPStatusCategory.isUnavailable(status))
        }
        #expect(HTTPStatusCategory(status: 401)?.transient == false)
    }

    @Test func failuresCarryTheCategoryAndTransience() {
        let busy = HTTPStatusCategory(status: 503)?.failure("busy", hint: "later")
        #expect(busy?.category == .serverUnavailable)
        #expect(busy?.transient == true)
        #expect(busy?.hint == "later")
        #expect(HTTPStatusCategory(status: 403)?.failure("no").transient == nil)
    }
}
