// The accounts dialog: add, edit, presets, refusals, passwords into the credential store only.
#include "AccountDialog.h"
#include "CertificateDialog.h"
#include "FakeSmtpServer.h"
#include "MiniSmtpServer.h"
#include "UiTestSupport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSslKey>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

namespace {
/// A keychain that is not there (no Secret Service on the session bus, say).
class BrokenKeychain : public CredentialStore
{
public:
    void readPassword(const QString &, ReadCallback done) override
    {
        done(false, {}, u"no keychain"_s);
    }
    void writePassword(const QString &, const QString &, WriteCallback done) override
    {
        done(false, u"The name org.freedesktop.secrets was not provided by any .service files"_s);
    }
    void removePassword(const QString &, WriteCallback done) override { done(true, {}); }
};

/// A machine without any keychain service: QtKeychain finds no backend.
class NoKeychain : public BrokenKeychain
{
public:
    void checkAvailable(WriteCallback done) override
    {
        done(false, u"No keychain service available"_s);
    }
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

/// True when `needle` occurs in any file of the data directory (database, WAL, settings).
bool dataDirContains(const QString &dir, const QByteArray &needle)
{
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            return true;
    }
    return false;
}
} // namespace

class TestAccountDialog : public QObject
{
    Q_OBJECT
private slots:
    void addAccount();
    void editAccount();
    void presets();
    void refusedAccountSaysWhy();
    void keychainFailureOffersCommand();
    void removeAccount();
    void noKeychainOffersCommand();
    void testConnection_data();
    void testConnection();
    void testConnectionCancel();
    void testConnectionUntrustedCertificate();
    void saveKeepsTestResultOfNewAccount();

private:
    /// Points the form at 127.0.0.1:port, no TLS, AUTH PLAIN as alice with `password` typed.
    void fillForTest(AccountDialog &dlg, quint16 port, const QString &password);
};

void TestAccountDialog::fillForTest(AccountDialog &dlg, quint16 port, const QString &password)
{
    dlg.hostEdit()->setText(u"127.0.0.1"_s);
    dlg.portSpin()->setValue(port);
    dlg.securityCombo()->setCurrentIndex(dlg.securityCombo()->findData(int(Security::None)));
    dlg.userEdit()->setText(u"alice"_s);
    const auto auth = dlg.findChildren<QComboBox *>();
    for (QComboBox *c : auth) {
        const int i = c->findData(u"plain"_s);
        if (i >= 0)
            c->setCurrentIndex(i);
    }
    for (QCheckBox *b : dlg.findChildren<QCheckBox *>()) {
        if (b->text().contains(u"without encryption"_s))
            b->setChecked(true);
    }
    dlg.passwordEdit()->setText(password);
}

void TestAccountDialog::noKeychainOffersCommand()
{
    NoKeychain keychain;
    test::UiFixture f;
    f.credentialsOverride = &keychain;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.show();
    dlg.newAccount(); // the full form (the first run opens the Add account screens)
    QTRY_VERIFY(!dlg.keychainAvailable());
    QVERIFY(dlg.keychainLabel()->isVisible());
    QVERIFY(dlg.keychainLabel()->text().contains(u"No system keychain is available"_s));
    QVERIFY(dlg.keychainLabel()->text().contains(u"No keychain service available"_s));
    QVERIFY(dlg.passwordCommandEdit()->isVisible()); // offered straight away
    // Signing in with a provider needs no password and no command: the note says where the
    // sign-in goes instead.
    QComboBox *with = dlg.signInWithCombo();
    with->setCurrentIndex(with->findData(u"google"_s));
    emit with->activated(with->currentIndex());
    QVERIFY(dlg.keychainLabel()->isVisible());
    QVERIFY2(dlg.keychainLabel()->text().contains(u"the sign-in is kept in a file only you can "
                                                  u"read"_s),
             qPrintable(dlg.keychainLabel()->text()));
    QVERIFY(!dlg.keychainLabel()->text().contains(u"password"_s));
    QVERIFY(!dlg.passwordCommandEdit()->isVisible());
    with->setCurrentIndex(with->findData(QString()));
    emit with->activated(with->currentIndex());
    QVERIFY(dlg.keychainLabel()->text().contains(u"cannot keep a password"_s));
    QVERIFY(dlg.passwordCommandEdit()->isVisible());
    QTest::keyClicks(dlg.nameEdit(), u"work"_s);
    QTest::keyClicks(dlg.hostEdit(), u"smtp.example.net"_s);
    QTest::keyClicks(dlg.userEdit(), u"alice"_s);
    QTest::keyClicks(dlg.passwordCommandEdit(), u"pass show mail/work"_s);
    QVERIFY(dlg.save());
    QCOMPARE(f.service->accounts()->find(u"work"_s)->passwordCommand, u"pass show mail/work"_s);
    QVERIFY(dlg.passwordCommandEdit()->isVisible()); // still offered for the saved account
    test::saveScreenshot(&dlg, u"accounts-no-keychain.png"_s);
}

void TestAccountDialog::testConnection_data()
{
    QTest::addColumn<QByteArray>("authReply");
    QTest::addColumn<bool>("serverUp");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("words");
    QTest::newRow("success") << QByteArray("235 2.7.0 OK") << true << true
                             << u"Connection to 127.0.0.1:%1 works."_s;
    QTest::newRow("auth refused") << QByteArray("535 5.7.8 Authentication credentials invalid")
                                  << true << false
                                  << u"127.0.0.1:%1 refused the user name or password. The "
                                     "server said: 535 5.7.8 Authentication credentials invalid"_s;
    QTest::newRow("refused") << QByteArray() << false << false
                             << u"Could not connect to 127.0.0.1:%1"_s;
}

void TestAccountDialog::testConnection()
{
    QFETCH(QByteArray, authReply);
    QFETCH(bool, serverUp);
    QFETCH(bool, ok);
    QFETCH(QString, words);
    test::UiFixture f;
    QVERIFY(f.open());
    testsupport::MiniSmtpServer server;
    QString error;
    QVERIFY(server.start(&error));
    server.authReply = authReply;
    quint16 port = server.port();
    if (!serverUp)
        port = test::closedPort();
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.selectAccount(u"work"_s));
    fillForTest(dlg, port, u"s3cret"_s);
    QVERIFY(dlg.save()); // stored, so the capabilities are recorded for it
    dlg.passwordEdit()->setText(u"s3cret"_s);
    QSignalSpy finished(&dlg, &AccountDialog::testFinished);
    QTest::mouseClick(dlg.testButton(), Qt::LeftButton);
    // Nothing blocks: the click returns while the test runs, with a way to cancel it.
    QVERIFY(dlg.isTesting());
    QVERIFY(!dlg.testButton()->isEnabled());
    QVERIFY(dlg.cancelTestButton()->isVisible());
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().first().toBool(), ok);
    QVERIFY(!dlg.isTesting());
    QVERIFY(dlg.testButton()->isEnabled());
    QVERIFY(!dlg.cancelTestButton()->isVisible());
    const QString shown = dlg.testResultLabel()->text();
    QVERIFY2(shown.contains(words.arg(port)), qPrintable(shown));
    if (ok) {
        QVERIFY2(shown.contains(u"login: PLAIN, LOGIN"_s), qPrintable(shown));
        QVERIFY(shown.contains(u"NOT encrypted"_s));
        QVERIFY(dlg.capabilitiesLabel()->text().contains(u"pipelining"_s));
        QStringList caps = f.service->accounts()->lastCapabilities(u"work"_s);
        caps.sort();
        QCOMPARE(caps, QStringList({u"8BITMIME"_s, u"AUTH PLAIN LOGIN"_s, u"PIPELINING"_s,
                                    u"SIZE 10240000"_s}));
        test::saveScreenshot(&dlg, u"accounts-test-ok.png"_s);
    }
    QVERIFY(!dlg.certificateButton()->isVisible());
}

void TestAccountDialog::testConnectionCancel()
{
    test::UiFixture f;
    QVERIFY(f.open());
    QTcpServer silent; // accepts, never greets
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.selectAccount(u"work"_s));
    fillForTest(dlg, silent.serverPort(), u"x"_s);
    QSignalSpy finished(&dlg, &AccountDialog::testFinished);
    dlg.testConnection();
    QTRY_VERIFY(dlg.testResultLabel()->text().contains(u"waiting for the server"_s));
    QTest::mouseClick(dlg.cancelTestButton(), Qt::LeftButton);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toBool(), false);
    QCOMPARE(dlg.testResultLabel()->text(), u"Test cancelled."_s);
    QVERIFY(dlg.testButton()->isEnabled());
}

void TestAccountDialog::addAccount()
{
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.show();
    dlg.newAccount(); // the full form (the first run opens the Add account screens)
    QCOMPARE(dlg.accountList()->count(), 0);
    QVERIFY(!dlg.nameEdit()->isReadOnly());
    QVERIFY(dlg.defaultBox()->isChecked()); // the first account becomes the default
    QTest::keyClicks(dlg.nameEdit(), u"personal"_s);
    QTest::keyClicks(dlg.hostEdit(), u"smtp.example.net"_s);
    dlg.applyPreset(2);
    QTest::keyClicks(dlg.userEdit(), u"alice"_s);
    QTest::keyClicks(dlg.fromEdit(), u"Alice <alice@example.net>"_s);
    QTest::keyClicks(dlg.passwordEdit(), u"s3cret-Pa55"_s);
    QSignalSpy stored(&dlg, &AccountDialog::passwordStored);
    QVERIFY(dlg.save());
    QTRY_COMPARE(stored.count(), 1);

    const auto a = f.service->accounts()->find(u"personal"_s);
    QVERIFY(a);
    QCOMPARE(a->host, u"smtp.example.net"_s);
    QCOMPARE(a->port, quint16(465));
    QCOMPARE(a->security, Security::Tls);
    QCOMPARE(a->user, u"alice"_s);
    QCOMPARE(a->from, u"Alice <alice@example.net>"_s);
    QCOMPARE(a->passwordCommand, QString());
    QCOMPARE(f.service->accounts()->defaultAccount(), u"personal"_s);
    QCOMPARE(readSecret(f.credentials, u"personal"_s), u"s3cret-Pa55"_s);
    QVERIFY(dlg.passwordEdit()->text().isEmpty());
    QVERIFY(!dataDirContains(f.dir.path(), "s3cret-Pa55"));
    QCOMPARE(dlg.accountList()->count(), 1);
    QVERIFY(dlg.nameEdit()->isReadOnly());
}

void TestAccountDialog::editAccount()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.selectAccount(u"work"_s));
    QCOMPARE(dlg.nameEdit()->text(), u"work"_s);
    QVERIFY(dlg.nameEdit()->isReadOnly());
    dlg.hostEdit()->clear();
    QTest::keyClicks(dlg.hostEdit(), u"mail.example.com"_s);
    dlg.fromEdit()->clear();
    QTest::keyClicks(dlg.fromEdit(), u"Alice W. <alice@example.com>"_s);
    dlg.applyPreset(1);
    QTest::keyClicks(dlg.pinEdit(), u"AB:CD"_s);
    dlg.pinEdit()->clear(); // changed mind: no pin
    QVERIFY(dlg.save());
    const auto a = f.service->accounts()->find(u"work"_s);
    QVERIFY(a);
    QCOMPARE(a->host, u"mail.example.com"_s);
    QCOMPARE(a->from, u"Alice W. <alice@example.com>"_s);
    QCOMPARE(a->port, quint16(587));
    QCOMPARE(a->security, Security::StartTls);
    QCOMPARE(a->pinSha256, QString());
    QCOMPARE(f.service->accounts()->list().size(), 1);
    // No password typed: the stored one is left alone.
    QCOMPARE(readSecret(f.credentials, u"work"_s), QString());
}

void TestAccountDialog::presets()
{
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.applyPreset(2);
    QCOMPARE(dlg.portSpin()->value(), 465);
    QCOMPARE(Security(dlg.securityCombo()->currentData().toInt()), Security::Tls);
    dlg.applyPreset(1);
    QCOMPARE(dlg.portSpin()->value(), 587);
    QCOMPARE(Security(dlg.securityCombo()->currentData().toInt()), Security::StartTls);
    QCOMPARE(dlg.formAccount().port, quint16(587));
}

void TestAccountDialog::refusedAccountSaysWhy()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    dlg.newAccount();
    QTest::keyClicks(dlg.nameEdit(), u"work"_s); // exists already
    QTest::keyClicks(dlg.hostEdit(), u"smtp.example.net"_s);
    QVERIFY(!dlg.save());
    QVERIFY(dlg.messageLabel()->isVisible());
    QVERIFY(!dlg.messageLabel()->text().isEmpty());
    dlg.nameEdit()->clear();
    QTest::keyClicks(dlg.nameEdit(), u"other"_s);
    dlg.hostEdit()->clear();
    QVERIFY(!dlg.save()); // no host
    QVERIFY(!f.service->accounts()->find(u"other"_s));
}

void TestAccountDialog::keychainFailureOffersCommand()
{
    BrokenKeychain keychain;
    test::UiFixture f;
    f.credentialsOverride = &keychain;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.show();
    dlg.newAccount(); // the full form (the first run opens the Add account screens)
    QVERIFY(!dlg.passwordCommandEdit()->isVisible());
    QTest::keyClicks(dlg.nameEdit(), u"work"_s);
    QTest::keyClicks(dlg.hostEdit(), u"smtp.example.net"_s);
    QTest::keyClicks(dlg.userEdit(), u"alice"_s);
    QTest::keyClicks(dlg.passwordEdit(), u"hunter2-secret"_s);
    QSignalSpy failed(&dlg, &AccountDialog::passwordFailed);
    QVERIFY(dlg.save());
    QTRY_COMPARE(failed.count(), 1);
    QVERIFY(dlg.messageLabel()->text().contains(u"keychain"_s));
    QVERIFY(dlg.passwordCommandEdit()->isVisible());
    QVERIFY(!dataDirContains(f.dir.path(), "hunter2-secret"));
    // The command is the way out.
    QTest::keyClicks(dlg.passwordCommandEdit(), u"pass show mail/work"_s);
    QVERIFY(dlg.save());
    QCOMPARE(f.service->accounts()->find(u"work"_s)->passwordCommand, u"pass show mail/work"_s);
}

void TestAccountDialog::removeAccount()
{
    test::UiFixture f;
    QVERIFY(f.open());
    AccountDialog dlg(f.service.get());
    dlg.show();
    // A message waiting for the account: removing it fails the message with a reason
    // instead of leaving it queued for an account that no longer exists.
    mime::Draft draft;
    draft.from = {QString(), u"alice@example.org"_s};
    draft.to = {{QString(), u"bob@example.net"_s}};
    draft.subject = u"waiting"_s;
    draft.textBody = u"hello"_s;
    const Service::EnqueueResult queued = f.service->enqueue(u"work"_s, draft);
    QVERIFY2(queued.ok(), qPrintable(queued.error));
    QVERIFY(dlg.selectAccount(u"work"_s));
    dlg.removeCurrent(false);
    f.service->storage()->drain(); // its messages failed, then the account removed
    QVERIFY(!f.service->accounts()->find(u"work"_s));
    QCOMPARE(dlg.accountList()->count(), 0);
    QVERIFY(!dlg.nameEdit()->isReadOnly());
    const auto m = f.service->outbox()->summary(queued.id);
    QVERIFY(m);
    QCOMPARE(m->state, MessageState::Failed);
    QCOMPARE(m->lastDetail, u"the account \"work\" was removed"_s);
}

void TestAccountDialog::testConnectionUntrustedCertificate()
{
    test::UiFixture f;
    QVERIFY(f.open());
    testsupport::MiniSmtpServer server;
    server.implicitTlsCert = u"self-signed"_s;
    QString error;
    QVERIFY(server.start(&error));
    AccountDialog dlg(f.service.get());
    dlg.show();
    QVERIFY(dlg.selectAccount(u"work"_s));
    fillForTest(dlg, server.port(), u"s3cret"_s);
    dlg.securityCombo()->setCurrentIndex(dlg.securityCombo()->findData(int(Security::Tls)));
    QSignalSpy finished(&dlg, &AccountDialog::testFinished);
    dlg.testConnection();
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().first().toBool(), false);
    const QString shown = dlg.testResultLabel()->text();
    QVERIFY2(shown.contains(u"The certificate of 127.0.0.1:%1 is not trusted"_s.arg(server.port())),
             qPrintable(shown));
    QVERIFY(shown.contains(u"trust exactly this certificate"_s));
    QVERIFY(server.commands.isEmpty()); // nothing was said over an untrusted connection
    QVERIFY(dlg.certificateButton()->isVisible());
    // Offered through the existing certificate decision; trusting pins it for the account.
    // "Show certificate..." saves the account first: the dialog shows the certificate the
    // test met (saving re-read the account and once freed the result it was about to show:
    // malloc corruption), and the test's result stays on screen.
    QTest::mouseClick(dlg.certificateButton(), Qt::LeftButton);
    CertificateDialog *cert = nullptr;
    QTRY_VERIFY((cert = dlg.findChild<CertificateDialog *>(u"certificateDialog"_s)));
    QSslCertificate selfSigned;
    QSslKey key;
    QVERIFY(testsupport::TestCerts::load(u"self-signed"_s, &selfSigned, &key));
    QCOMPARE(cert->fingerprint(),
             QString::fromLatin1(selfSigned.digest(QCryptographicHash::Sha256).toHex()));
    QCOMPARE(dlg.testResultLabel()->text(), shown);
    QVERIFY(dlg.testResultLabel()->isVisible());
    QVERIFY(cert->trust());
    QCOMPARE(f.service->accounts()->find(u"work"_s)->pinSha256, cert->fingerprint());
    cert->accept();
    QTRY_COMPARE(dlg.pinEdit()->text(), cert->fingerprint());
    // Tested again with the pin: the server's certificate is accepted now.
    finished.clear();
    dlg.testConnection();
    QVERIFY(finished.wait(10000));
    QVERIFY2(finished.first().first().toBool(), qPrintable(dlg.testResultLabel()->text()));
    QVERIFY(dlg.testResultLabel()->text().contains(u"encrypted (TLS from the start)"_s));
}

// A new account tested before its first save: "Save" keeps the result of the test on screen
// (showing the stored account again once cleared it).
void TestAccountDialog::saveKeepsTestResultOfNewAccount()
{
    test::UiFixture f;
    QVERIFY(f.open(false));
    testsupport::MiniSmtpServer server;
    QString error;
    QVERIFY(server.start(&error));
    server.authReply = "235 2.7.0 OK";
    AccountDialog dlg(f.service.get());
    dlg.show();
    dlg.newAccount();
    QTest::keyClicks(dlg.nameEdit(), u"fresh"_s);
    fillForTest(dlg, server.port(), u"s3cret"_s);
    QSignalSpy finished(&dlg, &AccountDialog::testFinished);
    dlg.testConnection();
    QVERIFY(finished.wait(10000));
    QVERIFY(finished.first().first().toBool());
    const QString shown = dlg.testResultLabel()->text();
    QVERIFY2(shown.contains(u"Connection to 127.0.0.1:%1 works."_s.arg(server.port())),
             qPrintable(shown));
    QVERIFY(dlg.save());
    QVERIFY(f.service->accounts()->find(u"fresh"_s));
    QVERIFY(dlg.testResultLabel()->isVisible());
    QCOMPARE(dlg.testResultLabel()->text(), shown);
}

QTEST_MAIN(TestAccountDialog)
#include "tst_accountdialog.moc"
