// The accounts dialog's two "Add account" screens (AccountSetup) against real local servers:
// Thunderbird's autoconfig served over HTTPS by tests/integration/discovery_servers.py (the
// test CA trusted through DiscoveryOptions, every connection sent to 127.0.0.1 by its
// connectTo seam while TLS checks the real name), SRV records from its DNS server on
// 127.0.0.2:53 (root only: QDnsLookup takes no port), the built-in presets. Asserts the stored
// account, the keychain entry and the visible words. Never sleeps.
#include "AccountDialog.h"
#include "AccountSetup.h"
#include "UiTestSupport.h"
#include "Words.h"

#include "accounts/AccountDiscovery.h"
#include "accounts/OAuthAccount.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QSpinBox>

#include <unistd.h>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

namespace {

QString sourceDir()
{
    return qEnvironmentVariable("OUTPOST_SOURCE_DIR");
}

QString certs()
{
    return sourceDir() + u"/tests/integration/certs/"_s;
}

/// One of discovery_servers.py's servers; its first output line (port or "ready").
class PyServer
{
public:
    bool start(const QStringList &args)
    {
        m_p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_p.start(u"/usr/bin/python3"_s,
                  QStringList{sourceDir() + u"/tests/integration/discovery_servers.py"_s} + args);
        if (!m_p.waitForStarted(10000) || !m_p.waitForReadyRead(20000))
            return false;
        m_line = m_p.readLine().trimmed();
        return !m_line.isEmpty();
    }
    QByteArray line() const { return m_line; }
    ~PyServer()
    {
        m_p.kill();
        m_p.waitForFinished(5000);
    }

private:
    QProcess m_p;
    QByteArray m_line;
};

QString readSecret(CredentialStore &store, const QString &account)
{
    QString out;
    store.readPassword(account, [&](bool ok, const QString &secret, const QString &) {
        if (ok)
            out = secret;
    });
    return out;
}

/// Everything to 127.0.0.1: HTTPS to `httpsPort`, anything else to a closed port.
DiscoveryOptions localOptions(quint16 httpsPort)
{
    DiscoveryOptions o;
    o.stepTimeoutMs = 3000;
    o.extraCaCertificates =
        QSslCertificate::fromPath(sourceDir() + u"/tests/support/certs/ca.pem"_s);
    const quint16 closed = test::closedPort();
    o.connectTo = [httpsPort, closed](const QString &, quint16 port) {
        return QPair<QString, quint16>(u"127.0.0.1"_s, port == 443 ? httpsPort : closed);
    };
    o.useProbe = false;
    o.nameserver = QHostAddress(u"127.0.0.2"_s); // nobody there unless a test starts one
    return o;
}

} // namespace

class TestAccountSetup : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(m_files.isValid()); }
    void firstRunOpensSetup();
    void foundByAutoconfigAndSaved();
    void testOnTheFoundSettings();
    void editManuallyIsPrefilled();
    void nothingFoundOpensForm();
    void cancelWhileLooking();
    void srvTargetElsewhereNeedsConfirmation();
    void presetOffersSignIn();
    void fitsTheScreen();

private:
    QTemporaryDir m_files;
    QString autoconfigFile()
    {
        const QString path = m_files.filePath(u"config.xml"_s);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write("<?xml version=\"1.0\"?><clientConfig version=\"1.1\">"
                "<emailProvider id=\"example.org\"><domain>example.org</domain>"
                "<displayName>Example Mail</displayName>"
                "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname>"
                "<port>993</port><socketType>SSL</socketType>"
                "<username>%EMAILLOCALPART%</username></incomingServer>"
                "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname>"
                "<port>465</port><socketType>SSL</socketType>"
                "<authentication>password-cleartext</authentication>"
                "<username>%EMAILADDRESS%</username></outgoingServer></emailProvider>"
                "</clientConfig>");
        return path;
    }
    bool startAutoconfig(PyServer &https)
    {
        return https.start({u"https"_s, certs() + u"example.pem"_s, certs() + u"example.key"_s,
                            u"/mail/config-v1.1.xml="_s + autoconfigFile()});
    }
    /// Screen 1 filled as a user would, then Continue; waits for the outcome.
    static bool continueWith(AccountDialog &dlg, const QString &address, bool expectFound)
    {
        AccountSetup *s = dlg.setup();
        QTest::keyClicks(s->yourNameEdit(), u"Alice Example"_s);
        QTest::keyClicks(s->addressEdit(), address);
        if (s->passwordEdit()->isVisible())
            QTest::keyClicks(s->passwordEdit(), u"s3cret-Pa55"_s);
        QSignalSpy done(s, &AccountSetup::lookingFinished);
        QTest::mouseClick(s->continueButton(), Qt::LeftButton);
        if (!done.wait(30000))
            return false;
        return done.first().first().toBool() == expectFound;
    }
};

void TestAccountSetup::firstRunOpensSetup()
{
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.isSetupShown());
    QCOMPARE(dlg.windowTitle(), u"Add account"_s);
    QCOMPARE(dlg.setup()->screen(), 0);
    QVERIFY(dlg.setup()->addressEdit()->isVisible());
    QVERIFY(dlg.setup()->passwordEdit()->isVisible());
    // An address that is no address is refused before anything is asked.
    QTest::keyClicks(dlg.setup()->addressEdit(), u"alice"_s);
    QVERIFY(!dlg.setup()->start());
    QCOMPARE(dlg.setup()->problemLabel()->text(),
             u"Enter your e-mail address, like alice@example.org."_s);
    QVERIFY(!dlg.setup()->isLooking());
    test::saveScreenshot(&dlg, u"accounts-add-screen1.png"_s);
}

void TestAccountSetup::foundByAutoconfigAndSaved()
{
    PyServer https;
    QVERIFY(startAutoconfig(https));
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.setDiscoveryOptions(localOptions(quint16(https.line().toUInt())));
    dlg.show();
    AccountSetup *s = dlg.setup();
    QTest::keyClicks(s->yourNameEdit(), u"Alice Example"_s);
    QTest::keyClicks(s->addressEdit(), u"alice@example.org"_s);
    QTest::keyClicks(s->passwordEdit(), u"s3cret-Pa55"_s);
    QSignalSpy done(s, &AccountSetup::lookingFinished);
    QTest::mouseClick(s->continueButton(), Qt::LeftButton);
    // Never blocking: the click returns while discovery runs, with a busy bar and Cancel.
    QVERIFY(s->isLooking());
    QVERIFY(s->busyBar()->isVisible());
    QVERIFY(!s->continueButton()->isEnabled());
    QVERIFY(s->cancelButton()->isEnabled());
    QVERIFY(done.wait(30000));
    QCOMPARE(done.first().first().toBool(), true);
    QCOMPARE(s->screen(), 1);
    QCOMPARE(s->summaryLabel()->text(),
             u"Server: smtp.example.org, port 465, encrypted from the start (TLS)<br>"
             "Login: alice@example.org with your password<br>"
             "From: Alice Example &lt;alice@example.org&gt;<br>"
             "IMAP server for the Sent folder: imap.example.org, port 993, encrypted from the "
             "start (TLS), login alice"_s);
    QCOMPARE(
        s->originLabel()->text(),
        u"Found in: the provider's settings file (autoconfig) "
        "https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=alice%40example.org."_s);
    QVERIFY(!s->confirmBox()->isVisible()); // the address's own domain: nothing to confirm
    QVERIFY(s->testButton()->isEnabled());
    QVERIFY(s->saveButton()->isEnabled());
    QVERIFY(f.service->accounts()->list().isEmpty()); // nothing stored before Save
    test::saveScreenshot(&dlg, u"accounts-add-screen2.png"_s);

    QSignalSpy stored(&dlg, &AccountDialog::passwordStored);
    QTest::mouseClick(s->saveButton(), Qt::LeftButton);
    QTRY_COMPARE(stored.count(), 1);
    const std::optional<Account> a = f.service->accounts()->find(u"alice@example.org"_s);
    QVERIFY(a);
    Account expected;
    expected.name = u"alice@example.org"_s;
    expected.host = u"smtp.example.org"_s;
    expected.port = 465;
    expected.security = Security::Tls;
    expected.user = u"alice@example.org"_s;
    expected.from = u"Alice Example <alice@example.org>"_s;
    expected.imapHost = u"imap.example.org"_s;
    expected.imapPort = 993;
    expected.imapSecurity = Security::Tls;
    expected.imapUser = u"alice"_s; // the file's %EMAILLOCALPART%
    expected.sentCopy = SentCopy::Auto;
    QCOMPARE(*a, expected);
    QCOMPARE(f.service->accounts()->defaultAccount(), u"alice@example.org"_s);
    QCOMPARE(readSecret(f.credentials, u"alice@example.org"_s), u"s3cret-Pa55"_s);
    // Back on the accounts, the new one shown.
    QVERIFY(!dlg.isSetupShown());
    QCOMPARE(dlg.nameEdit()->text(), u"alice@example.org"_s);
    QCOMPARE(dlg.messageLabel()->text(), u"Saved. The password is kept in the system keychain."_s);
}

// Test on screen 2 tries the found settings as they are, before anything is stored, and says
// what became of it; here smtp.example.org:465 is sent to 127.0.0.1, where nothing listens on
// 465, so the connection is refused.
void TestAccountSetup::testOnTheFoundSettings()
{
    PyServer https;
    QVERIFY(startAutoconfig(https));
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.setDiscoveryOptions(localOptions(quint16(https.line().toUInt())));
    dlg.show();
    AccountSetup *s = dlg.setup();
    QStringList asked;
    s->setResolveHost([&asked](const QString &host) {
        asked << host;
        return u"127.0.0.1"_s;
    });
    QTest::keyClicks(s->yourNameEdit(), u"Alice Example"_s);
    QTest::keyClicks(s->addressEdit(), u"alice@example.org"_s);
    QTest::keyClicks(s->passwordEdit(), u"s3cret-Pa55"_s);
    QSignalSpy done(s, &AccountSetup::lookingFinished);
    QTest::mouseClick(s->continueButton(), Qt::LeftButton);
    QVERIFY(done.wait(30000));
    QCOMPARE(s->screen(), 1);
    QSignalSpy tested(s, &AccountSetup::testFinished);
    QTest::mouseClick(s->testButton(), Qt::LeftButton);
    QVERIFY(!s->testButton()->isEnabled()); // one test at a time
    QVERIFY(tested.wait(30000));
    QCOMPARE(tested.first().first().toBool(), false);
    QCOMPARE(asked, QStringList{u"smtp.example.org"_s});
    QVERIFY(s->testResultLabel()->isVisible());
    QCOMPARE(s->testResultLabel()->text(),
             u"Could not connect to smtp.example.org:465: Connection refused. Check the server "
             "name and port, and that this computer is online."_s);
    QVERIFY(s->testButton()->isEnabled());
    QCOMPARE(s->screen(), 1); // still on the found settings, nothing stored
    QVERIFY(f.service->accounts()->list().isEmpty());
    QCOMPARE(readSecret(f.credentials, u"alice@example.org"_s), QString());
}

void TestAccountSetup::editManuallyIsPrefilled()
{
    PyServer https;
    QVERIFY(startAutoconfig(https));
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.setDiscoveryOptions(localOptions(quint16(https.line().toUInt())));
    dlg.show();
    QTest::keyClicks(dlg.setup()->accountNameEdit(), u"personal"_s);
    QVERIFY(continueWith(dlg, u"alice@example.org"_s, true));
    QTest::mouseClick(dlg.setup()->manualButton(), Qt::LeftButton);
    QVERIFY(!dlg.isSetupShown());
    QVERIFY(dlg.hostEdit()->isVisible());
    QCOMPARE(dlg.nameEdit()->text(), u"personal"_s);
    QVERIFY(!dlg.nameEdit()->isReadOnly());
    QCOMPARE(dlg.hostEdit()->text(), u"smtp.example.org"_s);
    QCOMPARE(dlg.portSpin()->value(), 465);
    QCOMPARE(Security(dlg.securityCombo()->currentData().toInt()), Security::Tls);
    QCOMPARE(dlg.userEdit()->text(), u"alice@example.org"_s);
    QCOMPARE(dlg.fromEdit()->text(), u"Alice Example <alice@example.org>"_s);
    QCOMPARE(dlg.passwordEdit()->text(), u"s3cret-Pa55"_s);
    // The Sent folder's IMAP fields, from the file's incomingServer.
    QCOMPARE(dlg.imapHostEdit()->text(), u"imap.example.org"_s);
    QCOMPARE(dlg.imapPortSpin()->value(), 993);
    QCOMPARE(Security(dlg.imapSecurityCombo()->currentData().toInt()), Security::Tls);
    QCOMPARE(dlg.imapUserEdit()->text(), u"alice"_s);
    QVERIFY(f.service->accounts()->list().isEmpty()); // still nothing stored
    dlg.portSpin()->setValue(2465);
    QVERIFY(dlg.save());
    QCOMPARE(f.service->accounts()->find(u"personal"_s)->port, quint16(2465));
    QCOMPARE(f.service->accounts()->find(u"personal"_s)->imapHost, u"imap.example.org"_s);
}

void TestAccountSetup::nothingFoundOpensForm()
{
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    DiscoveryOptions o = localOptions(test::closedPort()); // no autoconfig anywhere
    o.stepTimeoutMs = 1500;
    dlg.setDiscoveryOptions(o);
    dlg.show();
    QVERIFY(continueWith(dlg, u"alice@example.org"_s, false));
    QVERIFY(!dlg.isSetupShown());
    QVERIFY(dlg.messageLabel()->isVisible());
    const QString said = dlg.messageLabel()->text();
    QVERIFY2(said.startsWith(u"Outpost found no settings for example.org (it asked the provider, "
                             "the DNS and the likely servers). Enter the server below: your "
                             "provider's help pages name it.\nTried: preset: none for "
                             "example.org; autoconfig https://autoconfig.example.org/"_s),
             qPrintable(said));
    QCOMPARE(dlg.nameEdit()->text(), u"alice@example.org"_s);
    QCOMPARE(dlg.hostEdit()->text(), QString());
    QCOMPARE(dlg.userEdit()->text(), u"alice@example.org"_s);
    QCOMPARE(dlg.fromEdit()->text(), u"Alice Example <alice@example.org>"_s);
    QCOMPARE(dlg.passwordEdit()->text(), u"s3cret-Pa55"_s);
    QVERIFY(f.service->accounts()->list().isEmpty());
}

void TestAccountSetup::cancelWhileLooking()
{
    QTcpServer silent; // accepts the HTTPS connection, never answers
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    DiscoveryOptions o = localOptions(silent.serverPort());
    o.stepTimeoutMs = 60000;
    dlg.setDiscoveryOptions(o);
    dlg.show();
    AccountSetup *s = dlg.setup();
    QTest::keyClicks(s->addressEdit(), u"alice@example.org"_s);
    QSignalSpy done(s, &AccountSetup::lookingFinished);
    QSignalSpy manual(s, &AccountSetup::manualRequested);
    QVERIFY(s->start());
    QTRY_VERIFY(s->busyBar()->isVisible());
    QTRY_VERIFY(silent.hasPendingConnections() || silent.waitForNewConnection(0));
    QTest::mouseClick(s->cancelButton(), Qt::LeftButton);
    QVERIFY(!s->isLooking());
    QVERIFY(!s->busyBar()->isVisible());
    QVERIFY(s->continueButton()->isEnabled());
    QVERIFY(s->addressEdit()->isEnabled());
    QCOMPARE(s->screen(), 0);
    QVERIFY(dlg.isSetupShown());
    QCOMPARE(s->addressEdit()->text(), u"alice@example.org"_s);
    // The cancelled discovery's end reaches nobody.
    QCoreApplication::processEvents();
    QCOMPARE(done.count(), 0);
    QCOMPARE(manual.count(), 0);
    QVERIFY(f.service->accounts()->list().isEmpty());
    // Cancel again (nothing running): the first run has nothing to go back to.
    QSignalSpy rejected(&dlg, &QDialog::rejected);
    QTest::mouseClick(s->cancelButton(), Qt::LeftButton);
    QCOMPARE(rejected.count(), 1);
}

void TestAccountSetup::srvTargetElsewhereNeedsConfirmation()
{
    if (::geteuid() != 0)
        QSKIP("the DNS server of the test needs root for port 53 (QDnsLookup takes no port)");
    PyServer dns;
    QVERIFY(dns.start({u"dns"_s, u"127.0.0.2"_s,
                       u"_submissions._tcp.example.org=0,1,465,relay.elsewhere.test"_s,
                       u"_imap._tcp.example.org=0,1,143,imap.example.org"_s}));
    QCOMPARE(dns.line(), QByteArray("ready"));
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.setDiscoveryOptions(localOptions(test::closedPort()));
    dlg.show();
    QVERIFY(continueWith(dlg, u"alice@example.org"_s, true));
    AccountSetup *s = dlg.setup();
    QCOMPARE(s->found()->source, DiscoverySource::Srv);
    QVERIFY(s->summaryLabel()->text().startsWith(
        u"Server: relay.elsewhere.test, port 465, encrypted from the start (TLS)"_s));
    QCOMPARE(s->originLabel()->text(),
             u"Found in: the domain's DNS record %1."_s.arg(s->found()->origin));
    // Not the address's domain: neither Test nor Save until the user says so.
    QVERIFY(s->confirmBox()->isVisible());
    // One tick for both servers the password would go to.
    QVERIFY2(s->confirmBox()->text().startsWith(
                 u"Use relay.elsewhere.test and imap.example.org anyway: "_s),
             qPrintable(s->confirmBox()->text()));
    QVERIFY2(s->summaryLabel()->text().contains(
                 u"<br>IMAP server for the Sent folder: imap.example.org, port 143, encrypted "
                 "with STARTTLS"_s),
             qPrintable(s->summaryLabel()->text()));
    QVERIFY(!s->testButton()->isEnabled());
    QVERIFY(!s->saveButton()->isEnabled());
    s->save();
    QVERIFY(f.service->accounts()->list().isEmpty());
    s->confirmBox()->setChecked(true);
    QVERIFY(s->testButton()->isEnabled());
    QVERIFY(s->saveButton()->isEnabled());
    QTest::mouseClick(s->saveButton(), Qt::LeftButton);
    const std::optional<Account> a = f.service->accounts()->find(u"alice@example.org"_s);
    QVERIFY(a);
    QCOMPARE(a->host, u"relay.elsewhere.test"_s);
    QCOMPARE(a->port, quint16(465));
    QCOMPARE(a->security, Security::Tls);
    QCOMPARE(a->imapHost, u"imap.example.org"_s);
    QCOMPARE(a->effectiveImapPort(), quint16(143));
    QCOMPARE(a->imapSecurity, Security::StartTls);
}

void TestAccountSetup::presetOffersSignIn()
{
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    int opened = 0;
    dlg.setOpenUrl([&opened](const QUrl &) {
        ++opened;
        return true;
    });
    dlg.show();
    AccountSetup *s = dlg.setup();
    QTest::keyClicks(s->addressEdit(), u"alice@gmail.com"_s);
    // Known without asking anyone: Gmail signs in in the browser, no password here.
    QVERIFY(!s->passwordEdit()->isVisible());
    QVERIFY(s->signInNote()->isVisible());
    QVERIFY2(s->signInNote()->text().startsWith(
                 u"Gmail signs you in on its own page in your browser: no password here. <a "_s),
             qPrintable(s->signInNote()->text()));
    s->addressEdit()->clear();
    QTest::keyClicks(s->addressEdit(), u"alice@example.org"_s);
    QVERIFY(s->passwordEdit()->isVisible());
    QVERIFY(!s->signInNote()->isVisible());
    s->addressEdit()->clear();
    QTest::keyClicks(s->addressEdit(), u"alice@gmail.com"_s);
    QSignalSpy done(s, &AccountSetup::lookingFinished);
    QVERIFY(s->start());
    QVERIFY(done.wait(10000));
    QCOMPARE(s->originLabel()->text(), u"Found in: Outpost's built-in settings for Gmail."_s);
    QVERIFY(s->helpLabel()->isVisible());
    QVERIFY(s->helpLabel()->text().contains(u"<a href=\"https://"_s));
    QCOMPARE(s->saveButton()->text(), u"&Save and sign in with Google"_s);
    QVERIFY(!s->testButton()->isVisible());
    Account google;
    google.oauth.provider = u"google"_s;
    if (oauthProviderForAccount(google).clientId.isEmpty()) {
        // This build has no client id for Google: screen 2 says so, and "Save and sign in"
        // opens the filled form asking for one without storing anything.
        QVERIFY2(s->summaryLabel()->text().contains(Words::setupClientIdNeeded(u"google"_s)),
                 qPrintable(s->summaryLabel()->text()));
        QSignalSpy finished(&dlg, &AccountDialog::signInFinished);
        QTest::mouseClick(s->saveButton(), Qt::LeftButton);
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY(f.service->accounts()->list().isEmpty());
        QCOMPARE(opened, 0);
        QVERIFY(!dlg.isSetupShown());
        QVERIFY(dlg.clientIdEdit()->isVisible());
        QCOMPARE(dlg.focusWidget(), static_cast<QWidget *>(dlg.clientIdEdit()));
        QVERIFY(dlg.messageLabel()->isVisible());
        QVERIFY2(dlg.messageLabel()->text().startsWith(u"Enter the client id"_s),
                 qPrintable(dlg.messageLabel()->text()));
        QCOMPARE(dlg.nameEdit()->text(), u"alice@gmail.com"_s);
        QCOMPARE(dlg.hostEdit()->text(), u"smtp.gmail.com"_s);
        QCOMPARE(dlg.imapHostEdit()->text(), u"imap.gmail.com"_s);
        // With the user's own client id the form's Sign in saves and opens the browser.
        QTest::keyClicks(dlg.clientIdEdit(), u"my-own-client.apps.example"_s);
        QTest::mouseClick(dlg.signInButton(), Qt::LeftButton);
    } else {
        QVERIFY(!s->summaryLabel()->text().contains(Words::setupClientIdNeeded(u"google"_s)));
        QTest::mouseClick(s->saveButton(), Qt::LeftButton);
    }
    const std::optional<Account> a = f.service->accounts()->find(u"alice@gmail.com"_s);
    QVERIFY(a);
    QCOMPARE(a->host, u"smtp.gmail.com"_s);
    QCOMPARE(a->oauth.provider, u"google"_s);
    QCOMPARE(a->auth, u"xoauth2"_s);
    QCOMPARE(a->user, u"alice@gmail.com"_s);
    QVERIFY(!oauthProviderForAccount(*a).clientId.isEmpty());
    // Gmail's IMAP server from the preset; Automatic makes no copy of ours there.
    QCOMPARE(a->imapHost, u"imap.gmail.com"_s);
    QCOMPARE(a->effectiveImapPort(), quint16(993));
    QCOMPARE(a->imapSecurity, Security::Tls);
    QCOMPARE(a->sentCopy, SentCopy::Auto);
    QCOMPARE(readSecret(f.credentials, u"alice@gmail.com"_s), QString()); // no password kept
    // The sign-in follows the save: the browser was opened.
    QTRY_COMPARE(opened, 1);
    if (dlg.isSigningIn())
        dlg.cancelSignIn();
}

void TestAccountSetup::fitsTheScreen()
{
    // The dialog, its form and the found settings stay within the screen's available height
    // (800x600 on the offscreen platform), so Save, Close and Continue can be reached.
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dlg));
    const QRect screen = dlg.screen()->availableGeometry();
    // Empty when the dialog fits and `button` is inside it; else what is wrong.
    auto fits = [&](QWidget *button) {
        QCoreApplication::processEvents();
        const QRect inDialog(button->mapTo(&dlg, QPoint(0, 0)), button->size());
        const bool ok = button->isVisible() && dlg.height() <= screen.height() &&
                        dlg.width() <= screen.width() &&
                        dlg.minimumSizeHint().height() <= screen.height() &&
                        dlg.rect().contains(inDialog);
        return ok ? QString()
                  : u"dialog %1x%2 (minimum %3x%4) on a screen of %5x%6, button at %7,%8"_s
                        .arg(dlg.width())
                        .arg(dlg.height())
                        .arg(dlg.minimumSizeHint().width())
                        .arg(dlg.minimumSizeHint().height())
                        .arg(screen.width())
                        .arg(screen.height())
                        .arg(inDialog.x())
                        .arg(inDialog.y());
    };
    auto *buttons = dlg.findChild<QDialogButtonBox *>();
    QVERIFY(buttons);
    QCOMPARE(fits(buttons->button(QDialogButtonBox::Save)), QString());
    dlg.addAccount();
    QCOMPARE(fits(dlg.setup()->continueButton()), QString());
    AccountSetup *s = dlg.setup();
    QTest::keyClicks(s->yourNameEdit(), u"Alice Example"_s);
    QTest::keyClicks(s->addressEdit(), u"alice@gmail.com"_s);
    QSignalSpy done(s, &AccountSetup::lookingFinished);
    QVERIFY(s->start());
    QVERIFY(done.wait(10000));
    QCOMPARE(s->screen(), 1);
    QCOMPARE(fits(s->saveButton()), QString());
    test::saveScreenshot(&dlg, u"accounts-add-found-800x600.png"_s);
    QTest::mouseClick(s->manualButton(), Qt::LeftButton);
    QVERIFY(!dlg.isSetupShown());
    QCOMPARE(fits(buttons->button(QDialogButtonBox::Save)), QString());
    test::saveScreenshot(&dlg, u"accounts-form-800x600.png"_s);
}

QTEST_MAIN(TestAccountSetup)
#include "tst_accountsetup.moc"
