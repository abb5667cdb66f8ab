import PreflightCore
import PreflightSnowflake
import Testing

@Suite("Snowflake account identifiers")
struct SnowflakeAccountTests {
    @Test("orgname-accountname: host as given, JWT account upper-cased with the hyphen")
    func organizationForm() throws {
        let account = try SnowflakeAccount.parse("MyOrg-MyAccount", key: "accountIdentifier")
        #expect(account.host == "myorg-myaccount.snowflakecomputing.com")
        #expect(account.jwtAccount == "MYORG-MYACCOUNT")
        #expect(account.isOrganizationForm)
    }

    @Test(
        "legacy locators: the region and cloud stay in the host, not in the JWT account",
        arguments: [
            ("xy12345", "xy12345.snowflakecomputing.com"),
            ("xy12345.us-east-2.aws", "xy12345.us-east-2.aws.snowflakecomputing.com"),
            ("xy12345.eu-west-1", "xy12345.eu-west-1.snowflakecomputing.com"),
            ("XY12345.east-us-2.azure", "xy12345.east-us-2.azure.snowflakecomputing.com"),
            ("xy12345.us-east-1.privatelink", "xy12345.us-east-1.privatelink.snowflakecomputing.com"),
        ])
    func locators(input: String, host: String) throws {
        let account = try SnowflakeAccount.parse(input, key: "accountIdentifier")
        #expect(account.host == host)
        #expect(account.jwtAccount == "XY12345")
    }

    @Test(
        "pasted URLs and hosts are reduced to the identifier",
        arguments: [
            (
                "https://xy12345.us-east-2.aws.snowflakecomputing.com/console#/worksheets", "xy12345.us-east-2.aws",
                "XY12345"
            ),
            ("myorg-myaccount.snowflakecomputing.com", "myorg-myaccount", "MYORG-MYACCOUNT"),
            ("https://myorg-myaccount.snowflakecomputing.com:443", "myorg-myaccount", "MYORG-MYACCOUNT"),
            ("  https://app.snowflake.com/myorg/myaccount/#/homepage ", "myorg-myaccount", "MYORG-MYACCOUNT"),
        ])
    func pasted(input: String, identifier: String, jwt: String) throws {
        let account = try SnowflakeAccount.parse(input, key: "accountIdentifier")
        #expect(account.hostIdentifier == identifier)
        #expect(account.jwtAccount == jwt)
    }

    @Test("SQL's orgname.accountname is read as orgname-accountname")
    func sqlForm() throws {
        let account = try SnowflakeAccount.parse("myorg.my_account2", key: "accountIdentifier")
        #expect(account.host == "myorg-my-account2.snowflakecomputing.com")
        #expect(account.jwtAccount == "MYORG-MY_ACCOUNT2")
        #expect(try SnowflakeAccount.parse("xy12345.privatelink", key: "accountIdentifier").jwtAccount == "XY12345")
    }

    @Test("underscores become hyphens in the host only")
    func underscores() throws {
        let account = try SnowflakeAccount.parse("myorg-my_account", key: "accountIdentifier")
        #expect(account.host == "myorg-my-account.snowflakecomputing.com")
        #expect(account.jwtAccount == "MYORG-MY_ACCOUNT")
    }

    @Test("China domain is kept")
    func china() throws {
        let account = try SnowflakeAccount.parse(
            "https://xy12345.cn-north-1.aws.snowflakecomputing.cn", key: "accountIdentifier")
        #expect(account.host == "xy12345.cn-north-1.aws.snowflakecomputing.cn")
        #expect(account.jwtAccount == "XY12345")
    }

    @Test("global URLs drop the suffix after the first hyphen in the JWT account")
    func global() throws {
        let account = try SnowflakeAccount.parse("xy12345-abcdef.global", key: "accountIdentifier")
        #expect(account.jwtAccount == "XY12345")
        #expect(account.host == "xy12345-abcdef.global.snowflakecomputing.com")
    }

    @Test(
        "malformed identifiers are refused naming the key",
        arguments: [
            "", "my org", "ftp://xy12345", "xy12345..aws", ".xy12345", "snowflakecomputing.com",
            "user:pw@xy12345", "xy12345:8443", "app.snowflake.com", "-myorg", "a!b",
        ])
    func malformed(input: String) {
        #expect(throws: InvalidConfig.self) { try SnowflakeAccount.parse(input, key: "accountIdentifier") }
        do { _ = try SnowflakeAccount.parse(input, key: "accountIdentifier") } catch {
            #expect(error.message.contains("sharedConfig.accountIdentifier"))
            if input.contains("pw") { #expect(!error.message.contains("pw")) }
        }
    }

    @Test("fromHost recognises Snowflake hosts only")
    func fromHost() {
        #expect(SnowflakeAccount.fromHost("xy12345.eu-west-1.snowflakecomputing.com")?.jwtAccount == "XY12345")
        #expect(SnowflakeAccount.fromHost("127.0.0.1") == nil)
        #expect(SnowflakeAccount.fromHost("snowflake.example.com") == nil)
    }
}
