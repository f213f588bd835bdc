// The accounts dialog: add, edit, presets, refusals, passwords into the credential store only.
#include "AccountDialog.h"
#include "UiTestSupport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>

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
};

void TestAccountDialog::addAccount()
{
    test::UiFixture f;
    QVERIFY(f.open(false));
    AccountDialog dlg(f.service.get());
    dlg.show();
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
    QVERIFY(!f.service->accounts()->find(u"work"_s));
    QCOMPARE(dlg.accountList()->count(), 0);
    QVERIFY(!dlg.nameEdit()->isReadOnly());
    const auto m = f.service->store()->summary(queued.id);
    QVERIFY(m);
    QCOMPARE(m->state, MessageState::Failed);
    QCOMPARE(m->lastDetail, u"the account \"work\" was removed"_s);
}

QTEST_MAIN(TestAccountDialog)
#include "tst_accountdialog.moc"
