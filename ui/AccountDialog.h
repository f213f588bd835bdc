#pragma once

#include "accounts/Account.h"
#include "smtp/SmtpResult.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace outpost {
class ConnectionTest;
class Service;
struct Capabilities;
} // namespace outpost

namespace outpost::ui {

/// Add, edit and remove sending accounts (AccountStore). Presets for the two submission
/// setups (587 with STARTTLS, RFC 6409 / RFC 3207; 465 with implicit TLS, RFC 8314). The
/// password goes to the CredentialStore (system keychain) only — never into the database or
/// QSettings; where no keychain exists (checked when the dialog opens) or the keychain fails,
/// the dialog says so and offers the password command field instead. Saving a paused account
/// resumes it (the user fixed it). "Test connection" runs a ConnectionTest asynchronously
/// (Cancel stops it) and shows the server's capabilities or the problem in plain words; an
/// untrusted certificate can be shown and pinned with CertificateDialog.
class AccountDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AccountDialog(Service *service, QWidget *parent = nullptr);
    ~AccountDialog() override;

    /// Shows an account in the form; false when there is no such account.
    bool selectAccount(const QString &name);
    /// Clears the form for a new account.
    void newAccount();
    /// Checks and stores the form (add or update), then the password when one was typed.
    /// Returns false with the reason shown in the dialog when the account was refused. The
    /// password is written asynchronously: passwordStored() / passwordFailed() tell.
    bool save();
    /// Removes the shown account (asks first unless `confirm` is false).
    void removeCurrent(bool confirm = true);
    /// Fills the form with a preset: 0 = custom, 1 = 587 STARTTLS, 2 = 465 TLS.
    void applyPreset(int preset);
    /// The account the form describes.
    Account formAccount() const;
    /// "Test connection": runs a ConnectionTest on the form's account (the typed password,
    /// else the keychain or the password command) without blocking; the outcome is shown in
    /// testResultLabel() and testFinished() follows. A running test is cancelled first.
    void testConnection();
    /// Cancels a running test (the connection is dropped; the label says so).
    void cancelTest();
    /// True while a test runs.
    bool isTesting() const;
    /// False when the credential store said no keychain is available (passwords need a
    /// command then); true until it has answered.
    bool keychainAvailable() const { return m_keychainAvailable; }

    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *hostEdit() const { return m_host; }
    QSpinBox *portSpin() const { return m_port; }
    QComboBox *securityCombo() const { return m_security; }
    QComboBox *presetCombo() const { return m_preset; }
    QLineEdit *userEdit() const { return m_user; }
    QLineEdit *fromEdit() const { return m_from; }
    QLineEdit *passwordEdit() const { return m_password; }
    QLineEdit *passwordCommandEdit() const { return m_passwordCommand; }
    QLineEdit *caFileEdit() const { return m_caFile; }
    QLineEdit *pinEdit() const { return m_pin; }
    QCheckBox *defaultBox() const { return m_default; }
    QLabel *messageLabel() const { return m_message; }
    QListWidget *accountList() const { return m_list; }
    QPushButton *testButton() const { return m_testButton; }
    QPushButton *cancelTestButton() const { return m_cancelTest; }
    QPushButton *certificateButton() const { return m_certButton; }
    QLabel *testResultLabel() const { return m_testResult; }
    QLabel *capabilitiesLabel() const { return m_capabilities; }
    QLabel *keychainLabel() const { return m_keychainNote; }

signals:
    void passwordStored(const QString &account);
    void passwordFailed(const QString &account, const QString &error);
    /// A connection test ended (ok = the server accepted EHLO and the login).
    void testFinished(bool ok);
    /// The credential store answered whether a keychain exists.
    void keychainChecked(bool available);

private:
    void fillList(const QString &select = {});
    void showAccount(const Account &a);
    void showMessage(const QString &text, bool problem);
    void setCommandVisible(bool on);
    void securityChanged();
    void testDone(const SmtpResult &result, const Capabilities &caps);
    void showCertificate();

    Service *m_service;
    QListWidget *m_list;
    QLineEdit *m_name;
    QComboBox *m_preset;
    QLineEdit *m_host;
    QSpinBox *m_port;
    QComboBox *m_security;
    QComboBox *m_auth;
    QLineEdit *m_user;
    QLineEdit *m_from;
    QLineEdit *m_password;
    QCheckBox *m_useCommand;
    QLabel *m_commandLabel;
    QLineEdit *m_passwordCommand;
    QLineEdit *m_caFile;
    QPushButton *m_caBrowse;
    QLineEdit *m_pin;
    QCheckBox *m_allowPlain;
    QCheckBox *m_default;
    QLabel *m_capabilities;
    QLabel *m_message;
    QPushButton *m_remove;
    QPushButton *m_testButton;
    QPushButton *m_cancelTest;
    QPushButton *m_certButton;
    QLabel *m_testResult;
    QLabel *m_keychainNote;
    ConnectionTest *m_test = nullptr;
    std::optional<SmtpResult> m_certificateResult; ///< kept for "Show certificate…"
    bool m_keychainAvailable = true;
    QString m_editing; ///< name of the account shown; empty for a new one
};

} // namespace outpost::ui
