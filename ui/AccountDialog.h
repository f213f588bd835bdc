#pragma once

#include "accounts/Account.h"
#include "smtp/SmtpResult.h"

#include <QDialog>
#include <QUrl>

#include <functional>
#include <optional>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace outpost {
struct DiscoveryOptions;
class AuthorizationCodeFlow;
class ConnectionTest;
class OAuthSignOut;
class Service;
struct Capabilities;
struct OAuthResult;
struct SignOutResult;
} // namespace outpost

namespace outpost::ui {

class AccountSetup;

/// Add, edit and remove sending accounts (AccountStore). Presets for the two submission
/// setups (587 with STARTTLS, RFC 6409 / RFC 3207; 465 with implicit TLS, RFC 8314). The
/// password goes to the CredentialStore (system keychain) only — never into the database or
/// QSettings; where no keychain exists (checked when the dialog opens) or the keychain fails,
/// the dialog says so and offers the password command field instead. Saving a paused account
/// resumes it (the user fixed it). "Test connection" runs a ConnectionTest asynchronously
/// (Cancel stops it) and shows the server's capabilities or the problem in plain words; an
/// untrusted certificate can be shown and pinned with CertificateDialog.
///
/// An account can sign in with OAuth 2.0 instead of a password ("Sign in with": Microsoft,
/// Google with their server presets, or another provider's endpoints; the client id of the
/// user's own registration, else the build's). "Sign in with Microsoft" / "… Google" runs the
/// same AuthorizationCodeFlow as `outpost account login` (PKCE, the system browser, a loopback
/// redirect; the UI thread never waits, Cancel stops it), keeps the refresh token in the
/// keychain (in a file only the user can read where no keychain exists), and releases the
/// messages held for "sign in again". "Sign out" runs OAuthSignOut (revoked where the provider
/// can, then removed). The form says "Signed in as …", "Not signed in" or "Sign-in needed again".
class AccountDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AccountDialog(Service *service, QWidget *parent = nullptr);
    ~AccountDialog() override;

    /// Shows an account in the form; false when there is no such account.
    bool selectAccount(const QString &name);
    /// Clears the form for a new account (the full form: "Edit manually").
    void newAccount();
    /// "Add": the two screens that find the settings from the address (AccountSetup). The
    /// dialog opens on them when there is no account yet.
    void addAccount();
    /// True while the "Add account" screens are shown instead of the accounts and the form.
    bool isSetupShown() const;
    /// The "Add account" screens.
    AccountSetup *setup() const { return m_setup; }
    /// Seams of the discovery the "Add account" screens run (tests).
    void setDiscoveryOptions(const DiscoveryOptions &options);
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

    /// Hands the provider's sign-in page to the browser; false when none could be opened (the
    /// dialog then shows the address to open by hand). QDesktopServices::openUrl by default;
    /// tests replace it to play the browser.
    using OpenUrl = std::function<bool(const QUrl &)>;
    void setOpenUrl(OpenUrl open) { m_openUrl = std::move(open); }
    /// "Sign in with …" for the form's OAuth account: saves the form when it changed, then
    /// runs the sign-in in the browser without blocking; signInFinished() tells how it ended.
    void signIn();
    /// Stops a running sign-in (signInFinished(false) follows).
    void cancelSignIn();
    /// True while a sign-in waits for the browser or the provider.
    bool isSigningIn() const { return m_signInFlow != nullptr; }
    /// "Sign out": revokes the shown account's refresh token where the provider can and
    /// removes it; signOutFinished() follows.
    void signOut();

    QComboBox *signInWithCombo() const { return m_signInWith; }
    QLineEdit *clientIdEdit() const { return m_clientId; }
    QLineEdit *authorizeUrlEdit() const { return m_authorizeUrl; }
    QLineEdit *tokenUrlEdit() const { return m_tokenUrl; }
    QLineEdit *scopeEdit() const { return m_scope; }
    QLineEdit *revokeUrlEdit() const { return m_revokeUrl; }
    QPushButton *signInButton() const { return m_signIn; }
    QPushButton *cancelSignInButton() const { return m_cancelSignIn; }
    QPushButton *signOutButton() const { return m_signOut; }
    QLabel *signInStateLabel() const { return m_signInState; }
    /// The sign-in address to open by hand when no browser could be opened: a read-only
    /// field (selectable, scrolled, never widening the dialog), shown only while waiting.
    QLineEdit *signInUrlEdit() const { return m_signInUrl; }
    /// "Copy link": puts the sign-in address on the clipboard.
    QPushButton *copyLinkButton() const { return m_copyLink; }

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
    /// "Allow the password without encryption": shown for password accounts only.
    QCheckBox *allowPlainBox() const { return m_allowPlain; }
    QLabel *messageLabel() const { return m_message; }
    QListWidget *accountList() const { return m_list; }
    QPushButton *testButton() const { return m_testButton; }
    QPushButton *cancelTestButton() const { return m_cancelTest; }
    QPushButton *certificateButton() const { return m_certButton; }
    QLabel *testResultLabel() const { return m_testResult; }
    QLabel *capabilitiesLabel() const { return m_capabilities; }
    QLabel *keychainLabel() const { return m_keychainNote; }
    QLineEdit *imapHostEdit() const { return m_imapHost; }
    QSpinBox *imapPortSpin() const { return m_imapPort; }
    QComboBox *imapSecurityCombo() const { return m_imapSecurity; }
    QLineEdit *imapUserEdit() const { return m_imapUser; }
    QLineEdit *sentFolderEdit() const { return m_sentFolder; }
    QPushButton *chooseFolderButton() const { return m_chooseFolder; }
    QComboBox *sentCopyCombo() const { return m_sentCopy; }
    QLabel *sentCopyNote() const { return m_sentCopyNote; }

    /// "Choose…" of the Sent folder: opens a SentFolderChooser on the form's IMAP settings with
    /// the typed password, else the one in the keychain (read without waiting); the chosen
    /// folder goes into the field. folderChooserOpened() tells when it is open; when it cannot
    /// be (no IMAP server, no password known) the message says why.
    void chooseSentFolder();

signals:
    void passwordStored(const QString &account);
    void passwordFailed(const QString &account, const QString &error);
    /// A connection test ended (ok = the server accepted EHLO and the login).
    void testFinished(bool ok);
    /// The credential store answered whether a keychain exists.
    void keychainChecked(bool available);
    /// A sign-in ended: ok when the refresh token is kept and the account released.
    void signInFinished(bool ok);
    /// A sign-out ended: removed when no refresh token of the account is left here.
    void signOutFinished(bool removed);
    /// The sign-in state label was brought up to date (after reading the token store).
    void signInStateShown();
    /// The Sent folder chooser is open (connecting).
    void folderChooserOpened(QDialog *chooser);

protected:
    /// Keeps the dialog within the screen's available geometry when it opens.
    void showEvent(QShowEvent *event) override;

private:
    /// Shrinks the dialog to the screen's available geometry (QScreen::availableGeometry, less
    /// the window frame) and moves it onto the screen; the long form scrolls instead.
    void fitToScreen();
    void fillList(const QString &select = {});
    void showAccount(const Account &a);
    void showMessage(const QString &text, bool problem);
    void setCommandVisible(bool on);
    void securityChanged();
    void testDone(const SmtpResult &result, const Capabilities &caps);
    void showCertificate();
    /// The chooser changed: server presets of the provider, the rows that apply.
    /// Whether account `a` can start a sign-in (its provider has a client id and endpoints);
    /// when not, says what is missing, focuses the client id and emits signInFinished(false).
    bool signInPossible(const Account &a);
    void signInWithChanged();
    /// Shows the password rows or the OAuth rows for the chosen way of signing in.
    void updateSignInRows();
    /// Brings the sign-in state and buttons of the shown account up to date.
    void updateSignInState();
    void onSignedIn(const Account &account, const OAuthResult &result);
    void onSignedOut(const Account &account, const SignOutResult &result);
    /// The "Add account" screens' Save: through save(), then the sign-in for OAuth. When the
    /// sign-in could not start (no client id), the filled form asks for it and nothing is saved.
    void setupSave(const Account &account, const QString &password, bool signIn);
    /// "Edit manually" or nothing found: the full form prefilled.
    void setupManual(const Account &account, const QString &password, const QString &note);
    /// Shows the accounts and the form (page 0) or the "Add account" screens (page 1).
    void showPage(int page);
    /// The words under the Sent copy switch: what it does for this account (sentCopyEffective).
    void updateSentCopyNote();
    void openFolderChooser(const Account &account, const QString &secret);

    Service *m_service;
    QStackedWidget *m_pages = nullptr;
    AccountSetup *m_setup = nullptr;
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
    QLineEdit *m_imapHost;
    QSpinBox *m_imapPort;
    QComboBox *m_imapSecurity;
    QLineEdit *m_imapUser;
    QLineEdit *m_sentFolder;
    QPushButton *m_chooseFolder;
    QComboBox *m_sentCopy;
    QLabel *m_sentCopyNote;
    QFormLayout *m_form = nullptr;
    QComboBox *m_signInWith;
    QLineEdit *m_clientId;
    QLineEdit *m_authorizeUrl;
    QLineEdit *m_tokenUrl;
    QLineEdit *m_scope;
    QLineEdit *m_revokeUrl;
    QLabel *m_signInState;
    QPushButton *m_signIn;
    QPushButton *m_cancelSignIn;
    QPushButton *m_signOut;
    QWidget *m_signInUrlRow = nullptr;
    QLineEdit *m_signInUrl = nullptr;
    QPushButton *m_copyLink = nullptr;
    QHBoxLayout *m_signInRow = nullptr;
    AuthorizationCodeFlow *m_signInFlow = nullptr;
    OAuthSignOut *m_signOutJob = nullptr;
    OpenUrl m_openUrl;
    int m_signInStateGeneration = 0; ///< a late answer of the token store for another account
    ConnectionTest *m_test = nullptr;
    std::optional<SmtpResult> m_certificateResult; ///< kept for "Show certificate…"
    bool m_keychainAvailable = true;
    QString m_keychainWhy;             ///< why there is no keychain, when there is none
    QString m_editing;                 ///< name of the account shown; empty for a new one
    bool m_signInProblemShown = false; ///< the message says what the sign-in lacks
};

} // namespace outpost::ui
