// The accounts dialog's OAuth 2.0 sign-in, against oauth_provider.py (our own authorization
// server, plain HTTP on 127.0.0.1): an OAuth account added in the form, "Sign in" running the
// browser flow (the open-URL hook replaced by a browser of the test's own that follows the
// provider's redirect to the loopback listener with QNetworkAccessManager), "Signed in as …",
// the refresh token in the credential store and live at the provider; "Sign out" revoking it
// there (RFC 7009) and removing it here; Cancel while the browser is out; the window's banner
// for an account that must sign in again. Never sleeps.
#include "AccountDialog.h"
#include "MainWindow.h"
#include "UiTestSupport.h"
#include "Words.h"

#include "accounts/OAuthAccount.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpSocket>
#include <QUrlQuery>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

namespace {

/// oauth_provider.py over plain HTTP; its first line is the port.
class Provider
{
public:
    bool start()
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(u"/usr/bin/python3"_s, {qEnvironmentVariable("OUTPOST_SOURCE_DIR") +
                                                u"/tests/integration/oauth_provider.py"_s});
        if (!m_process.waitForStarted(10000) || !m_process.waitForReadyRead(20000))
            return false;
        m_port = quint16(m_process.readLine().trimmed().toUInt());
        return m_port != 0;
    }
    ~Provider()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    QString url(const QString &path) const
    {
        return u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path);
    }
    /// GET /control: the counters.
    QJsonObject state() { return json(m_nam.get(QNetworkRequest(QUrl(url(u"/control"_s))))); }
    /// RFC 7662 introspection of `token`: is it active at the provider?
    bool active(const QString &token)
    {
        QNetworkRequest r(QUrl(url(u"/introspect"_s)));
        r.setHeader(QNetworkRequest::ContentTypeHeader, "application/x-www-form-urlencoded"_ba);
        QUrlQuery form;
        form.addQueryItem(u"token"_s, QString::fromLatin1(QUrl::toPercentEncoding(token)));
        return json(m_nam.post(r, form.toString(QUrl::FullyEncoded).toLatin1()))
            .value(u"active"_s)
            .toBool();
    }

private:
    QJsonObject json(QNetworkReply *reply)
    {
        std::unique_ptr<QNetworkReply> owner(reply);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(20000);
        return QJsonDocument::fromJson(reply->readAll()).object();
    }
    QProcess m_process;
    QNetworkAccessManager m_nam;
    quint16 m_port = 0;
};

/// The test's browser: GETs the authorization URL, follows the provider's one redirect to the
/// loopback listener and keeps the page the listener answered.
class Browser : public QObject
{
public:
    bool open(const QUrl &url)
    {
        ++opened;
        QNetworkReply *consent = m_nam.get(request(url));
        connect(consent, &QNetworkReply::finished, this, [this, consent] {
            consent->deleteLater();
            const QUrl back = consent->header(QNetworkRequest::LocationHeader).toUrl();
            QNetworkReply *page = m_nam.get(request(back));
            connect(page, &QNetworkReply::finished, this, [this, page] {
                page->deleteLater();
                status = page->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                body = page->readAll();
            });
        });
        return true;
    }
    int opened = 0;
    int status = 0;
    QByteArray body;

private:
    static QNetworkRequest request(const QUrl &url)
    {
        QNetworkRequest r(url);
        r.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                       QNetworkRequest::ManualRedirectPolicy);
        r.setTransferTimeout(20000);
        return r;
    }
    QNetworkAccessManager m_nam;
};

QString readSecret(CredentialStore &store, const QString &key)
{
    QString out;
    store.readPassword(key, [&](bool ok, const QString &secret, const QString &) {
        if (ok)
            out = secret;
    });
    return out;
}

} // namespace

class TestAccountSignIn : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(m_provider.start()); }
    void addSignInSignOut();
    void cancelWhileWaiting();
    void noBrowserKeepsWidth();
    void providerPresets();
    void bannerOffersSignIn();

private:
    /// Fills the form with a new custom OAuth account "oauth" at the test provider.
    void fillOAuthAccount(AccountDialog &dlg);
    Provider m_provider;
};

void TestAccountSignIn::fillOAuthAccount(AccountDialog &dlg)
{
    dlg.newAccount();
    dlg.nameEdit()->setText(u"oauth"_s);
    QComboBox *with = dlg.signInWithCombo();
    with->setCurrentIndex(with->findData(u"custom"_s));
    emit with->activated(with->currentIndex());
    QVERIFY(dlg.clientIdEdit()->isVisibleTo(&dlg));
    QVERIFY(dlg.authorizeUrlEdit()->isVisibleTo(&dlg));
    QVERIFY(!dlg.passwordEdit()->isVisibleTo(&dlg));
    QCOMPARE(dlg.signInButton()->text(), Words::signInButton(u"custom"_s));
    dlg.clientIdEdit()->setText(u"outpost-test-client"_s);
    dlg.authorizeUrlEdit()->setText(m_provider.url(u"/authorize"_s));
    dlg.tokenUrlEdit()->setText(m_provider.url(u"/token"_s));
    dlg.scopeEdit()->setText(u"smtp offline_access"_s);
    dlg.revokeUrlEdit()->setText(m_provider.url(u"/revoke"_s));
    dlg.hostEdit()->setText(u"127.0.0.1"_s);
    dlg.portSpin()->setValue(test::closedPort());
    dlg.userEdit()->setText(u"alice@example.org"_s);
}

void TestAccountSignIn::addSignInSignOut()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    Browser browser;
    dlg.setOpenUrl([&browser](const QUrl &url) { return browser.open(url); });
    fillOAuthAccount(dlg);
    QSignalSpy signedIn(&dlg, &AccountDialog::signInFinished);
    QTest::mouseClick(dlg.signInButton(), Qt::LeftButton);
    QVERIFY(signedIn.wait(30000));
    QVERIFY2(signedIn.first().first().toBool(), qPrintable(dlg.messageLabel()->text()));

    // Saved as an OAuth account (no password anywhere), signed in through the browser once.
    const std::optional<Account> a = f.service->accounts()->find(u"oauth"_s);
    QVERIFY(a);
    QCOMPARE(a->oauth.provider, u"custom"_s);
    QCOMPARE(a->oauth.clientId, u"outpost-test-client"_s);
    QCOMPARE(a->oauth.revokeUrl, m_provider.url(u"/revoke"_s));
    QCOMPARE(a->oauth.tokenStore, u"keychain"_s);
    QCOMPARE(a->auth, u"xoauth2"_s);
    QCOMPARE(browser.opened, 1);
    QTRY_COMPARE(browser.status, 200);
    QCOMPARE(browser.body, Words::signInPage(true));
    QJsonObject provider = m_provider.state();
    QCOMPARE(provider.value(u"grants"_s).toArray(), QJsonArray{u"authorization_code"_s});
    QCOMPARE(provider.value(u"pkce"_s).toArray().at(0).toObject().value(u"verified"_s).toBool(),
             true);
    QCOMPARE(provider.value(u"authorize"_s).toObject().value(u"login_hint"_s).toString(),
             u"alice@example.org"_s);

    // The refresh token in the credential store, alive at the provider; the state says so.
    const QString token = readSecret(f.credentials, OAuthTokenStore::keychainKey(u"oauth"_s));
    QVERIFY(token.startsWith(u"rt-"_s));
    QVERIFY(m_provider.active(token));
    QTRY_COMPARE(dlg.signInStateLabel()->text(),
                 Words::signInState(Words::SignInState::SignedIn, u"alice@example.org"_s));
    QVERIFY(dlg.signOutButton()->isEnabled());

    // Sign out: revoked at the provider (RFC 7009, hinted as a refresh token), removed here.
    QSignalSpy signedOut(&dlg, &AccountDialog::signOutFinished);
    QTest::mouseClick(dlg.signOutButton(), Qt::LeftButton);
    QVERIFY(signedOut.wait(30000));
    QCOMPARE(signedOut.first().first().toBool(), true);
    QCOMPARE(readSecret(f.credentials, OAuthTokenStore::keychainKey(u"oauth"_s)), QString());
    QVERIFY(!m_provider.active(token));
    provider = m_provider.state();
    QCOMPARE(provider.value(u"revoked"_s).toInt(), 1);
    const QJsonObject revocation = provider.value(u"revocations"_s).toArray().last().toObject();
    QCOMPARE(revocation.value(u"token_type_hint"_s).toString(), u"refresh_token"_s);
    QCOMPARE(revocation.value(u"known"_s).toBool(), true);
    SignOutResult revoked;
    revoked.outcome = SignOutOutcome::Revoked;
    QCOMPARE(dlg.messageLabel()->text(), Words::signOut(revoked, *a));
    QTRY_COMPARE(dlg.signInStateLabel()->text(),
                 Words::signInState(Words::SignInState::NotSignedIn, {}));
    QVERIFY(!dlg.signOutButton()->isEnabled());
}

void TestAccountSignIn::cancelWhileWaiting()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    QUrl handed;
    dlg.setOpenUrl([&handed](const QUrl &url) {
        handed = url; // a browser where the user never finishes
        return true;
    });
    fillOAuthAccount(dlg);
    QSignalSpy finished(&dlg, &AccountDialog::signInFinished);
    QTest::mouseClick(dlg.signInButton(), Qt::LeftButton);
    QVERIFY(dlg.isSigningIn());
    QVERIFY(handed.isValid());
    const QUrl redirect(QUrlQuery(handed).queryItemValue(u"redirect_uri"_s, QUrl::FullyDecoded));
    QCOMPARE(redirect.host(), u"127.0.0.1"_s);
    QVERIFY(dlg.cancelSignInButton()->isVisible());
    QVERIFY(!dlg.signInButton()->isEnabled());
    QCOMPARE(dlg.signInStateLabel()->text(), Words::signInState(Words::SignInState::Waiting, {}));
    QTest::mouseClick(dlg.cancelSignInButton(), Qt::LeftButton);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toBool(), false);
    QVERIFY(!dlg.isSigningIn());
    QVERIFY(dlg.signInButton()->isEnabled());
    QVERIFY(!dlg.cancelSignInButton()->isVisible());
    QCOMPARE(readSecret(f.credentials, OAuthTokenStore::keychainKey(u"oauth"_s)), QString());
    // The loopback listener is closed: the browser coming back now finds nobody.
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, quint16(redirect.port()));
    QSignalSpy refused(&probe, &QTcpSocket::errorOccurred);
    QVERIFY(refused.wait(5000));
    QCOMPARE(probe.error(), QAbstractSocket::ConnectionRefusedError);
}

void TestAccountSignIn::noBrowserKeepsWidth()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dlg));
    QUrl handed;
    dlg.setOpenUrl([&handed](const QUrl &url) {
        handed = url;
        return false; // no browser here
    });
    fillOAuthAccount(dlg);
    QCoreApplication::processEvents();
    const int width = dlg.width();
    QSignalSpy finished(&dlg, &AccountDialog::signInFinished);
    QTest::mouseClick(dlg.signInButton(), Qt::LeftButton);
    QVERIFY(dlg.isSigningIn());
    QVERIFY(handed.isValid());
    // The address (hundreds of characters, no place to wrap) is in a field to copy from, not
    // in the words, and the dialog keeps its width.
    QCOMPARE(dlg.messageLabel()->text(),
             u"No browser could be opened. Open this address in a browser to sign in:"_s);
    QVERIFY(dlg.signInUrlEdit()->isVisible());
    QVERIFY(dlg.signInUrlEdit()->isReadOnly());
    QCOMPARE(dlg.signInUrlEdit()->text(), handed.toString(QUrl::FullyEncoded));
    QVERIFY(handed.toString(QUrl::FullyEncoded).size() > 200);
    QCoreApplication::processEvents();
    QVERIFY2(dlg.width() <= width, qPrintable(u"%1 > %2"_s.arg(dlg.width()).arg(width)));
    QVERIFY2(dlg.minimumSizeHint().width() <= width,
             qPrintable(u"%1 > %2"_s.arg(dlg.minimumSizeHint().width()).arg(width)));
    QTest::mouseClick(dlg.copyLinkButton(), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), handed.toString(QUrl::FullyEncoded));
    QTest::mouseClick(dlg.cancelSignInButton(), Qt::LeftButton);
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(!dlg.signInUrlEdit()->isVisible());
    QCoreApplication::processEvents();
    QVERIFY(dlg.width() <= width);
}

void TestAccountSignIn::providerPresets()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.newAccount();
    QComboBox *with = dlg.signInWithCombo();
    with->setCurrentIndex(with->findData(u"google"_s));
    emit with->activated(with->currentIndex());
    QCOMPARE(dlg.hostEdit()->text(), u"smtp.gmail.com"_s);
    QCOMPARE(dlg.portSpin()->value(), 465);
    QCOMPARE(Security(dlg.securityCombo()->currentData().toInt()), Security::Tls);
    QCOMPARE(dlg.signInButton()->text(), Words::signInButton(u"google"_s));
    QVERIFY(!dlg.authorizeUrlEdit()->isVisibleTo(&dlg));
    // Without a client id (this build has none) the sign-in asks for it before anything is
    // saved: no account that could only hold its messages.
    dlg.nameEdit()->setText(u"gmail"_s);
    dlg.userEdit()->setText(u"alice@gmail.com"_s);
    Account google;
    google.oauth.provider = u"google"_s;
    if (oauthProviderForAccount(google).clientId.isEmpty()) {
        QSignalSpy finished(&dlg, &AccountDialog::signInFinished);
        dlg.signIn();
        QCOMPARE(finished.size(), 1);
        QVERIFY(dlg.messageLabel()->text().contains(u"client id"_s));
        QVERIFY(!f.service->accounts()->find(u"gmail"_s));
        // Back to a password: the client id is no longer asked for, the words go.
        QVERIFY(dlg.messageLabel()->isVisibleTo(&dlg));
        with->setCurrentIndex(with->findData(QString()));
        emit with->activated(with->currentIndex());
        QVERIFY(!dlg.messageLabel()->isVisibleTo(&dlg));
        QCOMPARE(dlg.messageLabel()->text(), QString());
        QVERIFY(dlg.allowPlainBox()->isVisibleTo(&dlg));
        with->setCurrentIndex(with->findData(u"google"_s));
        emit with->activated(with->currentIndex());
    }
    // The password rows, the one for a password without encryption too, are not an OAuth
    // account's.
    QVERIFY(!dlg.allowPlainBox()->isVisibleTo(&dlg));
    QVERIFY(!dlg.passwordEdit()->isVisibleTo(&dlg));
    with->setCurrentIndex(with->findData(u"microsoft"_s));
    emit with->activated(with->currentIndex());
    QCOMPARE(dlg.hostEdit()->text(), u"smtp-mail.outlook.com"_s);
    QCOMPARE(dlg.portSpin()->value(), 587);
    QCOMPARE(dlg.signInButton()->text(), Words::signInButton(u"microsoft"_s));
    dlg.nameEdit()->setText(u"outlook"_s);
    dlg.userEdit()->setText(u"alice@outlook.com"_s);
    QVERIFY(dlg.save());
    const std::optional<Account> a = f.service->accounts()->find(u"outlook"_s);
    QVERIFY(a);
    QCOMPARE(a->oauth.provider, u"microsoft"_s);
    QCOMPARE(a->auth, u"xoauth2"_s);
    QCOMPARE(a->passwordCommand, QString());
    // Without a client id (this build has none), signing in says what to do, opens nothing.
    if (oauthProviderForAccount(*a).clientId.isEmpty()) {
        int opened = 0;
        dlg.setOpenUrl([&opened](const QUrl &) { return ++opened > 0; });
        QSignalSpy finished(&dlg, &AccountDialog::signInFinished);
        dlg.signIn();
        QCOMPARE(finished.size(), 1);
        QCOMPARE(opened, 0);
        QVERIFY(dlg.messageLabel()->text().contains(u"client id"_s));
    }
    // Back to a password: the OAuth settings go with it.
    with->setCurrentIndex(with->findData(QString()));
    emit with->activated(with->currentIndex());
    dlg.passwordEdit()->setText(u"secret"_s);
    QVERIFY(dlg.save());
    QVERIFY(!f.service->accounts()->find(u"outlook"_s)->oauth.enabled());
    QCOMPARE(f.service->accounts()->find(u"outlook"_s)->auth, u"auto"_s);
}

void TestAccountSignIn::bannerOffersSignIn()
{
    test::UiFixture f;
    QVERIFY(f.open());
    MainWindow window(f.service.get());
    window.show();
    QSignalSpy fix(&window, &MainWindow::fixAccountRequested);
    // Paused for "sign in again" by an earlier run: no notice in this one.
    f.service->accounts()->setPaused(u"work"_s, true, errorClassName(ErrorClass::SignIn));
    auto *banner = window.findChild<QLabel *>(u"pauseBanner"_s);
    auto *button = window.findChild<QPushButton *>(u"pauseBannerFix"_s);
    QVERIFY(banner && button);
    QTRY_VERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(Words::errorClass(ErrorClass::SignIn)));
    QCOMPARE(button->text(), MainWindow::tr("Sign &in…"));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(fix.size(), 1);
    QCOMPARE(fix.first().first().toString(), u"work"_s);
}

QTEST_MAIN(TestAccountSignIn)
#include "tst_accountsignin.moc"
