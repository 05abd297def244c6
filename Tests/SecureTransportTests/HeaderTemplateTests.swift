import Simulation
import Testing

@Suite struct HeaderTemplateTests {
    @Test func parsesAndExpands() throws {
        let header = try HeaderTemplate(parsing: "Authorization:  Bearer ${TOKEN}-{device}")
        #expect(header.name == "Authorization")
        #expect(header.description == "Authorization: …")
        #expect(try header.variables() == ["TOKEN"])
        let resolved = try header.resolvingEnvironment(["TOKEN": "s3cret"])
        #expect(resolved.value == "Bearer s3cret-{device}")
    }

    @Test func missingVariableNamesItNotTheValue() throws {
        let header = HeaderTemplate(name: "Authorization", value: "Bearer ${TOKEN} and literal-secret")
        #expect(throws: HeaderTemplateError.missingVariable(header: "Authorization", variable: "TOKEN")) {
            try header.resolvingEnvironment([:])
        }
        let text = HeaderTemplateError.missingVariable(header: "Authorization", variable: "TOKEN").description
        #expect(!text.contains("literal-secret"))
    }

    @Test func refusesReservedAndMalformed() {
        #expect(throws: HeaderTemplateError.notAHeader) { try HeaderTemplate(parsing: "no colon") }
        #expect(throws: HeaderTemplateError.reserved("X-User-ID")) { try HeaderTemplate(parsing: "X-User-ID: 1") }
        #expect(throws: HeaderTemplateError.badName("Bad Name")) { try HeaderTemplate(parsing: "Bad Name: 1") }
        #expect(throws: HeaderTemplateError.unclosed(header: "A")) { try HeaderTemplate(parsing: "A: ${OPEN") }
    }
}
