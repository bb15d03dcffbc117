package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.pool.auth.Secret.Md5Hash;
import io.pgwarden.pool.auth.Secret.PlainPassword;
import io.pgwarden.pool.auth.Secret.ScramSecret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserListTest {

    private static final String SAMPLE = String.join("\n",
            "; PgBouncer-style comment",
            "# another comment",
            "",
            "\"alice\" \"wonderland\"",
            "   \"bob\"\t\"md53175bce1d3201d16594cebf9d7eb3f9d\"",
            "\"carol\" \"" + ScramVerifierTest.PG15_POSTGRES + "\"",
            "\"say \"\"hi\"\"\" \"pass\"\"word\"",
            "\"dave\" \"old\" \"third column ignored, as PgBouncer does\"",
            "  ; indented comment",
            "\"MD5Upper\" \"md53175BCE1D3201D16594CEBF9D7EB3F9D\"",
            "");

    @Test
    void parsesAllSecretKinds() throws Exception {
        UserList list = UserList.parse(SAMPLE, "userlist.txt");

        assertThat(list.users()).containsExactly("alice", "bob", "carol", "say \"hi\"", "dave", "MD5Upper");
        assertThat(list.secretFor("alice")).contains(new PlainPassword("wonderland"));
        assertThat(list.secretFor("bob")).contains(new Md5Hash("md53175bce1d3201d16594cebf9d7eb3f9d"));
        assertThat(list.secretFor("carol"))
                .contains(new ScramSecret(ScramVerifier.parse(ScramVerifierTest.PG15_POSTGRES)));
        assertThat(list.secretFor("say \"hi\"")).contains(new PlainPassword("pass\"word"));
        assertThat(list.secretFor("dave")).contains(new PlainPassword("old"));
        // PostgreSQL only treats lowercase hex as an md5 hash.
        assertThat(list.secretFor("MD5Upper")).containsInstanceOf(PlainPassword.class);
        assertThat(list.secretFor("nobody")).isEmpty();
        assertThat(list.secretFor("Alice")).isEmpty();
    }

    @Test
    void acceptsCrLfAndByteOrderMark() throws Exception {
        UserList list = UserList.parse("\uFEFF\"a\" \"1\"\r\n\"b\" \"2\"\r\n", "win.txt");
        assertThat(list.users()).containsExactly("a", "b");
        assertThat(list.secretFor("b")).contains(new PlainPassword("2"));
    }

    @Test
    void emptyFileHasNoUsers() throws Exception {
        assertThat(UserList.parse("", "empty.txt").users()).isEmpty();
    }

    @Test
    void toStringShowsNoSecrets() throws Exception {
        UserList list = UserList.parse(SAMPLE, "userlist.txt");
        assertThat(list.toString()).isEqualTo("UserList[source=userlist.txt, users=6]");
        assertThat(list.secretFor("alice").orElseThrow().toString()).doesNotContain("wonderland");
        assertThat(list.secretFor("bob").orElseThrow().toString()).doesNotContain("3175bce1");
        assertThat(list.secretFor("carol").orElseThrow().toString()).doesNotContain("JzaUc7", "7vcGx3");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "alice topsecret                              | 2 | must be in double quotes",
        "\"alice\"                                    | 2 | secret must be in double quotes",
        "\"alice\" topsecret                          | 2 | secret must be in double quotes",
        "\"alice\" \"topsecret                        | 2 | unterminated secret",
        "\"alice topsecret                            | 2 | unterminated user name",
        "\"alice\" \"topsecret\"x                     | 2 | unexpected text after the secret",
        "\"alice\"x\"topsecret\"                      | 2 | secret must be in double quotes",
        "\"\" \"topsecret\"                           | 2 | user name is empty",
        "\"alice\" \"\"                               | 2 | secret for user \"alice\" is empty",
        "\"alice\" \"SCRAM-SHA-256$4096:topsecret\"   | 2 | invalid secret for user \"alice\"",
    })
    void errorsNameFileAndLineButNotTheSecret(String badLine, int line, String problem) {
        String content = "; header\n" + badLine.strip() + "\n\"zed\" \"fine\"\n";
        assertThatThrownBy(() -> UserList.parse(content, "/etc/pgwarden/userlist.txt"))
                .isInstanceOf(UserListFormatException.class)
                .hasMessageStartingWith("/etc/pgwarden/userlist.txt:" + line + ": ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("topsecret"))
                .satisfies(e -> assertThat(((UserListFormatException) e).line()).isEqualTo(line));
    }

    @Test
    void duplicateUserIsAnError() {
        assertThatThrownBy(() -> UserList.parse("\"a\" \"1\"\n\n\"a\" \"2\"\n", "u.txt"))
                .isInstanceOf(UserListFormatException.class)
                .hasMessage("u.txt:3: user \"a\" is already defined on line 1");
    }

    @Test
    void loadsFromFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("userlist.txt");
        Files.writeString(file, "\"jürgen\" \"geheim\"\n", StandardCharsets.UTF_8);

        UserList list = UserList.load(file);

        assertThat(list.users()).containsExactly("jürgen");
        assertThat(list.source()).isEqualTo(file.toString());
    }

    @Test
    void loadReportsFileNameOnErrors(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "\"ok\" \"x\"\nnot a user line\n");
        assertThatThrownBy(() -> UserList.load(bad))
                .isInstanceOf(UserListFormatException.class)
                .hasMessageStartingWith(bad + ":2: ");

        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'"', 'j', (byte) 0xfc, '"', ' ', '"', 'x', '"', '\n'});
        assertThatThrownBy(() -> UserList.load(latin1))
                .isInstanceOf(UserListFormatException.class)
                .hasMessage(latin1 + ": not valid UTF-8");
    }

    @Test
    void secretParseClassifiesLikePostgres() {
        assertThat(Secret.parse("md53175bce1d3201d16594cebf9d7eb3f9d")).isInstanceOf(Md5Hash.class);
        assertThat(Secret.parse(ScramVerifierTest.PG15_POSTGRES)).isInstanceOf(ScramSecret.class);
        assertThat(Secret.parse("md5 but not a hash")).isInstanceOf(PlainPassword.class);
        assertThatThrownBy(() -> Secret.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Md5Hash("md5xyz")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEntryParsesBackToTheSameUserAndSecret() throws Exception {
        UserList list = UserList.parse(UserList.entry("we\"ird", "pa\"ss word"), "inline");
        assertThat(list.users()).containsExactly("we\"ird");
        assertThat(list.secretFor("we\"ird")).contains(new Secret.PlainPassword("pa\"ss word"));
    }
}
