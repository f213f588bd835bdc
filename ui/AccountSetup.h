#pragma once

#include "accounts/Account.h"
#include "accounts/AccountDiscovery.h"
#include "smtp/SmtpResult.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QStackedWidget;

namespace outpost {
class ConnectionTest;
class Service;
struct Capabilities;
} // namespace outpost

namespace outpost::ui {

/// The two screens of "Add account" (first run and Add): screen 1 asks the account name, the
/// user's name, the e-mail address and a password — or, where the provider's built-in settings
/// say it signs in with OAuth (Gmail, Outlook.com), offers "Sign in with …" instead; Continue
/// runs AccountDiscovery (presets, autoconfig over HTTPS, DNS SRV, the EHLO-only probe) without
/// blocking, with a busy bar and Cancel. Screen 2 shows the settings found, where they came
/// from and the provider's help page, with Test, Save and Edit manually. Nothing is sent to a
/// found server before Test or Save, and a server the user must confirm (an SRV target outside
/// the address's domain, a guessed host) needs the confirmation box ticked first. Storing is
/// the dialog's: saveRequested() and manualRequested() hand the account and the typed password
/// over (AccountDialog saves through its one save path, the password to the keychain).
class AccountSetup : public QWidget
{
    Q_OBJECT
public:
    explicit AccountSetup(Service *service, QWidget *parent = nullptr);
    ~AccountSetup() override;

    /// Seams of the discovery (tests point it at local servers); the defaults otherwise.
    void setDiscoveryOptions(const DiscoveryOptions &options) { m_options = options; }
    /// Maps a host to the address to connect to for Test (tests); empty = the host itself.
    void setResolveHost(std::function<QString(const QString &)> resolve)
    {
        m_resolveHost = std::move(resolve);
    }

    /// Back to an empty screen 1 (a running discovery or test is cancelled).
    void restart();
    /// "Continue": checks screen 1 and starts looking; false (with the reason shown) when
    /// something is missing. lookingFinished() follows.
    bool start();
    /// Stops looking (back to screen 1) or a running test.
    void cancel();
    /// True while discovery runs.
    bool isLooking() const { return m_discovery != nullptr; }
    /// "Test" on screen 2: a ConnectionTest of the found settings with the typed password.
    void test();
    /// "Save" on screen 2: emits saveRequested() (refused while confirmation is missing).
    void save();
    /// "Edit manually" on screen 2: emits manualRequested() with the found settings.
    void editManually();
    /// 0 = the address screen, 1 = the found settings.
    int screen() const;
    /// The account screen 2 would save (found settings plus screen 1).
    Account foundAccount() const;
    /// The account as far as screen 1 knows it (no server).
    Account knownAccount() const;
    /// The found settings shown on screen 2, if any.
    const std::optional<DiscoveredSettings> &found() const { return m_found; }

    QLineEdit *accountNameEdit() const { return m_accountName; }
    QLineEdit *yourNameEdit() const { return m_yourName; }
    QLineEdit *addressEdit() const { return m_address; }
    QLineEdit *passwordEdit() const { return m_password; }
    QLabel *signInNote() const { return m_signInNote; }
    QPushButton *continueButton() const { return m_continue; }
    QPushButton *cancelButton() const { return m_cancel; }
    QProgressBar *busyBar() const { return m_busy; }
    QLabel *problemLabel() const { return m_problem; }
    QLabel *summaryLabel() const { return m_summary; }
    QLabel *originLabel() const { return m_origin; }
    QLabel *helpLabel() const { return m_help; }
    QCheckBox *confirmBox() const { return m_confirm; }
    QPushButton *testButton() const { return m_test; }
    QPushButton *saveButton() const { return m_save; }
    QPushButton *manualButton() const { return m_manual; }
    QPushButton *backButton() const { return m_back; }
    QLabel *testResultLabel() const { return m_testResult; }

signals:
    /// Discovery ended: found = screen 2 is shown; else manualRequested() followed.
    void lookingFinished(bool found);
    /// Save the account (and the password, empty for OAuth); `signIn` = then sign in.
    void saveRequested(const outpost::Account &account, const QString &password, bool signIn);
    /// Open the full form with `account` and `password` prefilled, `note` shown above it.
    void manualRequested(const outpost::Account &account, const QString &password,
                         const QString &note);
    /// Cancel on screen 1: the user does not want to add an account now.
    void closeRequested();
    /// A Test on screen 2 ended.
    void testFinished(bool ok);

private:
    void addressChanged();
    void discovered(const std::optional<DiscoveredSettings> &found, const QStringList &tried);
    void showFound();
    void updateButtons();
    void setLooking(bool on);
    void showProblem(const QString &text);
    void testDone(const SmtpResult &result, const Capabilities &caps);
    QString domain() const;

    Service *m_service;
    DiscoveryOptions m_options;
    std::function<QString(const QString &)> m_resolveHost;
    QStackedWidget *m_screens;
    QLineEdit *m_accountName;
    QLineEdit *m_yourName;
    QLineEdit *m_address;
    QLabel *m_passwordLabel;
    QLineEdit *m_password;
    QLabel *m_signInNote;
    QProgressBar *m_busy;
    QLabel *m_looking;
    QLabel *m_problem;
    QPushButton *m_continue;
    QPushButton *m_cancel;
    QLabel *m_title;
    QLabel *m_summary;
    QLabel *m_origin;
    QLabel *m_help;
    QCheckBox *m_confirm;
    QLabel *m_testResult;
    QPushButton *m_back;
    QPushButton *m_manual;
    QPushButton *m_test;
    QPushButton *m_save;
    AccountDiscovery *m_discovery = nullptr;
    ConnectionTest *m_connectionTest = nullptr;
    std::optional<DiscoveredSettings> m_found;
};

} // namespace outpost::ui
