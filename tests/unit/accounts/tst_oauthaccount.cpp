// An account's OAuth sign-in: the provider made from its fields, and where its refresh token
// is kept (the keychain through the CredentialStore, or a file only the user can read).
#include "accounts/OAuthAccount.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace outpost;

namespace {
Account oauthAccount(const QString &store)
{
    Account a;
    a.name = QStringLiteral("work/é 1");
    a.host = QStringLiteral("smtp.example.org");
    a.auth = QStringLiteral("xoauth2");
    a.user = QStringLiteral("alice@example.org");
    a.oauth.provider = QStringLiteral("custom");
    a.oauth.clientId = QStringLiteral("client");
    a.oauth.authorizeUrl = QStringLiteral("https://idp.example/authorize");
    a.oauth.tokenUrl = QStringLiteral("https://idp.example/token");
    a.oauth.revokeUrl = QStringLiteral("https://idp.example/revoke");
    a.oauth.scope = QStringLiteral("smtp offline_access");
    a.oauth.tokenStore = store;
    return a;
}

struct Read
{
    bool ok = false;
    QString secret;
    QString error;
};

Read read(OAuthTokenStore &store, const Account &a)
{
    Read r;
    store.read(a, [&](bool ok, const QString &s, const QString &e) { r = {ok, s, e}; });
    return r;
}
} // namespace

class TestOAuthAccount : public QObject
{
    Q_OBJECT

private slots:
    void providerFromTheAccount()
    {
        const OAuthProvider p = oauthProviderForAccount(oauthAccount(QStringLiteral("keychain")));
        QCOMPARE(p.id, QStringLiteral("custom"));
        QCOMPARE(p.tokenUrl, QUrl(QStringLiteral("https://idp.example/token")));
        QCOMPARE(p.revocationUrl, QUrl(QStringLiteral("https://idp.example/revoke")));
        QCOMPARE(p.scopes, (QStringList{QStringLiteral("smtp"), QStringLiteral("offline_access")}));
        QCOMPARE(p.mechanisms, QStringList{QStringLiteral("XOAUTH2")});
        QCOMPARE(p.clientId, QStringLiteral("client"));
        QCOMPARE(oauthProviderProblem(p), QString());

        Account g = oauthAccount(QStringLiteral("keychain"));
        g.oauth = {};
        g.oauth.provider = QStringLiteral("google");
        g.oauth.clientId = QStringLiteral("mine");
        g.auth = QStringLiteral("xoauth2");
        const OAuthProvider google = oauthProviderForAccount(g);
        QCOMPARE(google.mechanisms.first(), QStringLiteral("XOAUTH2")); // the account's first
        QCOMPARE(google.clientId, QStringLiteral("mine"));
    }

    void keychainEntry()
    {
        MemoryCredentialStore keychain;
        OAuthTokenStore store(&keychain, QStringLiteral("/nonexistent"));
        const Account a = oauthAccount(QStringLiteral("keychain"));
        QVERIFY(!read(store, a).ok);
        bool written = false;
        store.write(a, QStringLiteral("rt-1"), [&](bool ok, const QString &) { written = ok; });
        QVERIFY(written);
        QCOMPARE(read(store, a).secret, QStringLiteral("rt-1"));
        // Its own entry: the account's password entry is another.
        QString password;
        keychain.readPassword(a.name,
                              [&](bool, const QString &s, const QString &) { password = s; });
        QCOMPARE(password, QString());
        store.remove(a, [](bool, const QString &) {});
        QVERIFY(!read(store, a).ok);
    }

    void fileReadableByTheUserOnly()
    {
        QTemporaryDir dir;
        MemoryCredentialStore keychain;
        OAuthTokenStore store(&keychain, dir.path());
        const Account a = oauthAccount(QStringLiteral("file"));
        bool written = false;
        QString why;
        store.write(a, QStringLiteral("rt-2"), [&](bool ok, const QString &e) {
            written = ok;
            why = e;
        });
        QVERIFY2(written, qPrintable(why));
        const QString path = store.filePath(a.name);
        QVERIFY(path.startsWith(dir.path() + QStringLiteral("/oauth/")));
        QVERIFY(!path.mid(dir.path().size() + 7).contains(QLatin1Char('/'))); // one plain name
        QCOMPARE(QFile::permissions(path) & ~(QFile::ReadUser | QFile::WriteUser),
                 QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(QFile::permissions(path) &
                     (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());
        QCOMPARE(read(store, a).secret, QStringLiteral("rt-2"));
        QVERIFY(!read(store, oauthAccount(QStringLiteral("keychain"))).ok); // not in the keychain
        store.remove(a, [](bool, const QString &) {});
        QVERIFY(!QFile::exists(path));
        QVERIFY(!read(store, a).ok);
    }
};

QTEST_GUILESS_MAIN(TestOAuthAccount)
#include "tst_oauthaccount.moc"
