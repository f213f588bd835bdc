#include "AccountDialog.h"

#include "AccountSetup.h"
#include "CertificateDialog.h"
#include "Icons.h"
#include "SentFolderChooser.h"
#include "Words.h"
#include "accounts/AccountStore.h"
#include "accounts/ConnectionTest.h"
#include "accounts/CredentialStore.h"
#include "accounts/OAuthAccount.h"
#include "accounts/OAuthSignOut.h"
#include "accounts/SentCopy.h"
#include "oauth/AuthorizationCodeFlow.h"
#include "outbox/AccessTokenCache.h"
#include "outbox/Dispatcher.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

namespace outpost::ui {

AccountDialog::AccountDialog(Service *service, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_list(new QListWidget(this))
    , m_name(new QLineEdit(this))
    , m_preset(new QComboBox(this))
    , m_host(new QLineEdit(this))
    , m_port(new QSpinBox(this))
    , m_security(new QComboBox(this))
    , m_auth(new QComboBox(this))
    , m_user(new QLineEdit(this))
    , m_from(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_useCommand(new QCheckBox(tr("Get the password from a &command instead"), this))
    , m_commandLabel(new QLabel(tr("Password co&mmand:"), this))
    , m_passwordCommand(new QLineEdit(this))
    , m_caFile(new QLineEdit(this))
    , m_caBrowse(new QPushButton(tr("&Browse…"), this))
    , m_pin(new QLineEdit(this))
    , m_allowPlain(
          new QCheckBox(tr("Allow the password without encryption (this computer only)"), this))
    , m_default(new QCheckBox(tr("Use this account when none is chosen"), this))
    , m_capabilities(new QLabel(this))
    , m_message(new QLabel(this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_testButton(new QPushButton(tr("&Test connection"), this))
    , m_cancelTest(new QPushButton(tr("&Cancel test"), this))
    , m_certButton(new QPushButton(tr("Show &certificate…"), this))
    , m_testResult(new QLabel(this))
    , m_keychainNote(new QLabel(this))
{
    setWindowTitle(tr("Accounts"));
    setWindowIcon(Icons::app());
    resize(760, 620);
    m_signInWith = new QComboBox(this);
    m_clientId = new QLineEdit(this);
    m_authorizeUrl = new QLineEdit(this);
    m_tokenUrl = new QLineEdit(this);
    m_scope = new QLineEdit(this);
    m_revokeUrl = new QLineEdit(this);
    m_imapHost = new QLineEdit(this);
    m_imapPort = new QSpinBox(this);
    m_imapSecurity = new QComboBox(this);
    m_imapUser = new QLineEdit(this);
    m_sentFolder = new QLineEdit(this);
    m_chooseFolder = new QPushButton(tr("C&hoose…"), this);
    m_sentCopy = new QComboBox(this);
    m_sentCopyNote = new QLabel(this);
    m_imapHost->setPlaceholderText(tr("imap.example.org (empty: no copies in Sent)"));
    m_imapPort->setRange(0, 65535);
    m_imapPort->setSpecialValueText(tr("usual (993 or 143)"));
    m_imapSecurity->addItem(tr("TLS from the start (993)"), int(Security::Tls));
    m_imapSecurity->addItem(tr("STARTTLS (143)"), int(Security::StartTls));
    m_imapUser->setPlaceholderText(tr("the same as for sending"));
    m_sentFolder->setPlaceholderText(tr("found on the server (the \\Sent folder)"));
    m_sentCopy->addItem(tr("Automatic"), int(SentCopy::Auto));
    m_sentCopy->addItem(tr("Always"), int(SentCopy::On));
    m_sentCopy->addItem(tr("Never"), int(SentCopy::Off));
    m_sentCopyNote->setWordWrap(true);
    m_sentCopyNote->setObjectName(QStringLiteral("sentCopyNote"));
    m_signInState = new QLabel(this);
    m_signIn = new QPushButton(Words::signInButton({}), this);
    m_cancelSignIn = new QPushButton(tr("Cancel sign-in"), this);
    m_signOut = new QPushButton(tr("Sign &out"), this);
    m_openUrl = [](const QUrl &url) {
        return QDesktopServices::openUrl(url);
    };
    for (const char *id : {"", "microsoft", "google", "custom"})
        m_signInWith->addItem(Words::signInProvider(QString::fromLatin1(id)),
                              QString::fromLatin1(id));
    m_authorizeUrl->setPlaceholderText(tr("https://login.example.org/authorize"));
    m_tokenUrl->setPlaceholderText(tr("https://login.example.org/token"));
    m_scope->setPlaceholderText(tr("scopes, separated by spaces"));
    m_revokeUrl->setPlaceholderText(tr("optional: the provider's revocation endpoint"));
    m_signInState->setObjectName(QStringLiteral("signInState"));
    m_signInState->setWordWrap(true);
    m_signInState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancelSignIn->setVisible(false);
    // The sign-in address is one long word: in a label it would widen the dialog past the
    // screen, so it goes into a read-only field that scrolls, with a button to copy it.
    m_signInUrlRow = new QWidget(this);
    m_signInUrl = new QLineEdit(m_signInUrlRow);
    m_signInUrl->setReadOnly(true);
    m_signInUrl->setObjectName(QStringLiteral("signInUrl"));
    m_signInUrl->setAccessibleName(tr("Sign-in address"));
    m_copyLink = new QPushButton(tr("Cop&y link"), m_signInUrlRow);
    auto *urlRow = new QHBoxLayout(m_signInUrlRow);
    urlRow->setContentsMargins(0, 0, 0, 0);
    urlRow->addWidget(m_signInUrl, 1);
    urlRow->addWidget(m_copyLink);
    m_signInUrlRow->setVisible(false);

    m_list->setAccessibleName(tr("Accounts"));
    m_list->setMinimumWidth(170);
    auto *addButton = new QPushButton(tr("&Add"), this);
    addButton->setAccessibleName(tr("Add account"));
    m_remove->setAccessibleName(tr("Remove account"));
    auto *left = new QVBoxLayout;
    left->addWidget(m_list, 1);
    auto *leftButtons = new QHBoxLayout;
    leftButtons->addWidget(addButton);
    leftButtons->addWidget(m_remove);
    left->addLayout(leftButtons);

    m_preset->addItem(tr("Custom"));
    m_preset->addItem(tr("Submission, port 587 with STARTTLS"));
    m_preset->addItem(tr("Submission over TLS, port 465"));
    m_port->setRange(1, 65535);
    m_port->setValue(587);
    m_security->addItem(tr("STARTTLS"), int(Security::StartTls));
    m_security->addItem(tr("TLS from the start"), int(Security::Tls));
    m_security->addItem(tr("None (unencrypted)"), int(Security::None));
    for (const char *a :
         {"auto", "plain", "login", "scram-sha-256", "cram-md5", "xoauth2", "oauthbearer", "none"})
        m_auth->addItem(QString::fromLatin1(a), QString::fromLatin1(a));
    m_auth->setItemText(0, tr("Automatic"));
    m_auth->setItemText(m_auth->count() - 1, tr("No authentication"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setClearButtonEnabled(true);
    m_passwordCommand->setPlaceholderText(tr("e.g. pass show mail/work"));
    m_pin->setPlaceholderText(tr("SHA-256 of the server certificate (hex), optional"));
    m_caFile->setPlaceholderText(tr("Extra trusted CA certificates (PEM), optional"));
    m_host->setPlaceholderText(tr("smtp.example.org"));
    m_from->setPlaceholderText(tr("Your Name <you@example.org>"));
    m_capabilities->setWordWrap(true);
    m_capabilities->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("accountMessage"));
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setVisible(false);
    m_testResult->setWordWrap(true);
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_testResult->setVisible(false);
    m_keychainNote->setWordWrap(true);
    m_keychainNote->setObjectName(QStringLiteral("keychainNote"));
    m_keychainNote->setVisible(false);
    m_cancelTest->setVisible(false);
    m_certButton->setVisible(false);

    const QList<QPair<QWidget *, QString>> names = {
        {m_name, tr("Account name")},
        {m_preset, tr("Preset")},
        {m_host, tr("Server")},
        {m_port, tr("Port")},
        {m_security, tr("Security")},
        {m_auth, tr("Authentication")},
        {m_user, tr("User name")},
        {m_from, tr("From address")},
        {m_password, tr("Password")},
        {m_passwordCommand, tr("Password command")},
        {m_caFile, tr("CA file")},
        {m_pin, tr("Pinned certificate fingerprint")},
        {m_message, tr("Message")},
        {m_testResult, tr("Connection test result")},
        {m_keychainNote, tr("Keychain")},
        {m_signInWith, tr("Sign in with")},
        {m_clientId, tr("Client ID")},
        {m_authorizeUrl, tr("Authorization URL")},
        {m_tokenUrl, tr("Token URL")},
        {m_scope, tr("Scopes")},
        {m_revokeUrl, tr("Revocation URL")},
        {m_signInState, tr("Sign-in state")},
        {m_imapHost, tr("IMAP server")},
        {m_imapPort, tr("IMAP port")},
        {m_imapSecurity, tr("IMAP security")},
        {m_imapUser, tr("IMAP user name")},
        {m_sentFolder, tr("Sent folder")},
        {m_sentCopy, tr("Copy sent messages")},
    };
    for (const auto &[w, n] : names)
        w->setAccessibleName(n);

    auto *form = new QFormLayout;
    m_form = form;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto addRow = [&](const QString &label, QWidget *w) {
        auto *l = new QLabel(label, this);
        l->setBuddy(w);
        form->addRow(l, w);
        return l;
    };
    addRow(tr("&Name:"), m_name);
    addRow(tr("Sign in wit&h:"), m_signInWith);
    addRow(tr("Pre&set:"), m_preset);
    addRow(tr("&Server:"), m_host);
    addRow(tr("&Port:"), m_port);
    addRow(tr("S&ecurity:"), m_security);
    addRow(tr("Au&thentication:"), m_auth);
    addRow(tr("&User name:"), m_user);
    addRow(tr("&From:"), m_from);
    addRow(tr("Pass&word:"), m_password);
    addRow(tr("Client I&D:"), m_clientId);
    addRow(tr("Authori&zation URL:"), m_authorizeUrl);
    addRow(tr("Token U&RL:"), m_tokenUrl);
    addRow(tr("Sco&pes:"), m_scope);
    addRow(tr("Re&vocation URL:"), m_revokeUrl);
    m_signInRow = new QHBoxLayout;
    m_signInRow->addWidget(m_signInState, 1);
    m_signInRow->addWidget(m_signIn);
    m_signInRow->addWidget(m_cancelSignIn);
    m_signInRow->addWidget(m_signOut);
    form->addRow(tr("Sign-in:"), m_signInRow);
    form->addRow(QString(), m_useCommand);
    m_commandLabel->setBuddy(m_passwordCommand);
    form->addRow(m_commandLabel, m_passwordCommand);
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(m_caBrowse);
    auto *caLabel = new QLabel(tr("CA f&ile:"), this);
    caLabel->setBuddy(m_caFile);
    form->addRow(caLabel, caRow);
    addRow(tr("Pinned certificate (SHA-&256):"), m_pin);
    form->addRow(QString(), m_allowPlain);
    form->addRow(QString(), m_default);
    addRow(tr("Server features:"), m_capabilities);
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(m_testButton);
    testRow->addWidget(m_cancelTest);
    testRow->addWidget(m_certButton);
    testRow->addStretch();
    form->addRow(QString(), testRow);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
    connect(buttons->button(QDialogButtonBox::Save), &QPushButton::clicked, this,
            &AccountDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    // The copy of each sent message in the Sent folder, over IMAP.
    // A tab of its own: the sending form is long enough.
    auto *sentPage = new QWidget(this);
    auto *sentForm = new QFormLayout(sentPage);
    sentForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *sentIntro = new QLabel(tr("Outpost can put a copy of each message it sends into "
                                    "the Sent folder of your mailbox, over IMAP, so it shows on "
                                    "your other devices."),
                                 sentPage);
    sentIntro->setWordWrap(true);
    sentForm->addRow(sentIntro);
    sentForm->addRow(tr("&IMAP server:"), m_imapHost);
    auto *imapRow = new QHBoxLayout;
    imapRow->addWidget(m_imapPort);
    imapRow->addWidget(m_imapSecurity, 1);
    auto *imapPortLabel = new QLabel(tr("IMAP p&ort:"), this);
    imapPortLabel->setBuddy(m_imapPort);
    sentForm->addRow(imapPortLabel, imapRow);
    sentForm->addRow(tr("IMAP user &name:"), m_imapUser);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_sentFolder, 1);
    folderRow->addWidget(m_chooseFolder);
    auto *folderLabel = new QLabel(tr("Copy sent messages &to:"), this);
    folderLabel->setBuddy(m_sentFolder);
    sentForm->addRow(folderLabel, folderRow);
    auto *copyRow = new QHBoxLayout;
    copyRow->addWidget(m_sentCopy);
    copyRow->addWidget(m_sentCopyNote, 1);
    auto *copyLabel = new QLabel(tr("Make co&pies:"), this);
    copyLabel->setBuddy(m_sentCopy);
    sentForm->addRow(copyLabel, copyRow);
    m_sentCopyNote->setMinimumWidth(200);
    auto *sendingPage = new QWidget(this);
    sendingPage->setLayout(form);
    form->setContentsMargins(6, 6, 6, 6);
    // The sending form is taller than a small screen: it scrolls, so the dialog fits the
    // screen and its Save and Close stay in reach.
    auto *sendingScroll = new QScrollArea(this);
    sendingScroll->setObjectName(QStringLiteral("sendingScroll"));
    sendingScroll->setWidget(sendingPage);
    sendingScroll->setWidgetResizable(true);
    sendingScroll->setFrameShape(QFrame::NoFrame);
    sendingScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // Only the height scrolls: the form's width is kept whole, with room for the scroll bar.
    sendingScroll->setMinimumWidth(sendingPage->minimumSizeHint().width() +
                                   sendingScroll->verticalScrollBar()->sizeHint().width());
    auto *tabs = new QTabWidget(this);
    tabs->addTab(sendingScroll, tr("Sending"));
    tabs->addTab(sentPage, tr("Sent folder"));
    auto *right = new QVBoxLayout;
    right->addWidget(tabs);
    // The words below the tabs take the room left (a QStackedWidget page gets no
    // height-for-width, so a wrapped result of several lines was cut to its first line).
    for (QLabel *l : {m_testResult, m_keychainNote, m_message}) {
        l->setAlignment(Qt::AlignTop | Qt::AlignLeft);
        l->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::MinimumExpanding);
    }
    right->addWidget(m_testResult, 2);
    right->addWidget(m_keychainNote, 1);
    right->addWidget(m_message, 1);
    right->addWidget(m_signInUrlRow);
    auto *top = new QHBoxLayout;
    top->addLayout(left);
    top->addLayout(right, 1);
    // Page 0: the accounts and the full form; page 1: the "Add account" screens.
    auto *manager = new QWidget(this);
    auto *managerLayout = new QVBoxLayout(manager);
    managerLayout->setContentsMargins(0, 0, 0, 0);
    managerLayout->addLayout(top, 1);
    managerLayout->addWidget(buttons);
    m_setup = new AccountSetup(m_service, this);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(manager);
    m_pages->addWidget(m_setup);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);
    connect(m_setup, &AccountSetup::saveRequested, this, &AccountDialog::setupSave);
    connect(m_setup, &AccountSetup::manualRequested, this, &AccountDialog::setupManual);
    connect(m_setup, &AccountSetup::closeRequested, this, [this] {
        if (m_service->accounts()->list().isEmpty())
            reject();
        else
            selectAccount(m_service->accounts()->list().constFirst().name);
    });

    connect(addButton, &QPushButton::clicked, this, &AccountDialog::addAccount);
    connect(m_remove, &QPushButton::clicked, this, [this] { removeCurrent(true); });
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0)
            selectAccount(m_list->item(row)->data(Qt::UserRole).toString());
    });
    connect(m_preset, &QComboBox::activated, this, &AccountDialog::applyPreset);
    connect(m_security, &QComboBox::activated, this, &AccountDialog::securityChanged);
    connect(m_useCommand, &QCheckBox::toggled, this, &AccountDialog::setCommandVisible);
    connect(m_caBrowse, &QPushButton::clicked, this, [this] {
        const QString f =
            QFileDialog::getOpenFileName(this, tr("CA certificates"), m_caFile->text(),
                                         tr("PEM certificates (*.pem *.crt);;All files (*)"));
        if (!f.isEmpty())
            m_caFile->setText(f);
    });

    connect(m_signInWith, &QComboBox::activated, this, &AccountDialog::signInWithChanged);
    connect(m_signIn, &QPushButton::clicked, this, &AccountDialog::signIn);
    connect(m_cancelSignIn, &QPushButton::clicked, this, &AccountDialog::cancelSignIn);
    connect(m_signOut, &QPushButton::clicked, this, &AccountDialog::signOut);
    connect(m_copyLink, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_signInUrl->text()); });
    connect(m_service->accounts(), &AccountStore::changed, this, [this] {
        if (!isSigningIn())
            updateSignInState();
    });
    connect(m_chooseFolder, &QPushButton::clicked, this, &AccountDialog::chooseSentFolder);
    for (QLineEdit *e : {m_host, m_imapHost})
        connect(e, &QLineEdit::textChanged, this, &AccountDialog::updateSentCopyNote);
    connect(m_sentCopy, &QComboBox::currentIndexChanged, this, &AccountDialog::updateSentCopyNote);
    connect(m_imapSecurity, &QComboBox::currentIndexChanged, this, [this] {
        // Follow the security with the usual port unless the user chose another one.
        if (m_imapPort->value() == 993 || m_imapPort->value() == 143)
            m_imapPort->setValue(0);
    });
    connect(m_testButton, &QPushButton::clicked, this, &AccountDialog::testConnection);
    connect(m_cancelTest, &QPushButton::clicked, this, &AccountDialog::cancelTest);
    connect(m_certButton, &QPushButton::clicked, this, &AccountDialog::showCertificate);

    setCommandVisible(false);
    // Ask once whether a keychain exists at all; without one, say so and offer the command.
    QPointer<AccountDialog> self(this);
    m_service->credentials()->checkAvailable([self](bool ok, const QString &why) {
        if (!self)
            return;
        self->m_keychainAvailable = ok;
        self->m_keychainWhy = why;
        if (!ok) {
            self->m_password->setPlaceholderText(tr("only used to test the connection"));
            self->updateSignInRows();
        }
        emit self->keychainChecked(ok);
    });
    fillList();
    if (m_list->count() > 0)
        m_list->setCurrentRow(0);
    else
        addAccount(); // the first run: find the settings from the address
}

void AccountDialog::showPage(int page)
{
    m_pages->setCurrentIndex(page);
    setWindowTitle(page == 1 ? tr("Add account") : tr("Accounts"));
    if (isVisible())
        fitToScreen();
}

void AccountDialog::fitToScreen()
{
    const QScreen *s = screen();
    if (!s)
        return;
    const QRect available = s->availableGeometry();
    // The window manager's title bar and borders, where it has added them already.
    const QSize frame = frameGeometry().size() - size();
    const QSize room = (available.size() - frame).expandedTo(minimumSize());
    if (!size().boundedTo(room).isEmpty() && size().boundedTo(room) != size())
        resize(size().boundedTo(room));
    // Pulled back onto the screen when it opened partly below or right of it.
    QRect outer = frameGeometry();
    if (outer.bottom() > available.bottom())
        outer.moveBottom(available.bottom());
    if (outer.right() > available.right())
        outer.moveRight(available.right());
    if (outer.left() < available.left())
        outer.moveLeft(available.left());
    if (outer.top() < available.top())
        outer.moveTop(available.top());
    if (outer.topLeft() != frameGeometry().topLeft())
        move(outer.topLeft());
}

void AccountDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    fitToScreen();
}

bool AccountDialog::isSetupShown() const
{
    return m_pages->currentIndex() == 1;
}

void AccountDialog::setDiscoveryOptions(const DiscoveryOptions &options)
{
    m_setup->setDiscoveryOptions(options);
}

void AccountDialog::addAccount()
{
    cancelTest();
    m_setup->restart();
    showPage(1);
}

void AccountDialog::setupManual(const Account &account, const QString &password,
                                const QString &note)
{
    newAccount();
    showAccount(account);
    m_default->setChecked(m_service->accounts()->list().isEmpty());
    m_password->setText(password);
    showMessage(note, !note.isEmpty());
    (account.host.isEmpty() ? m_host : m_name)->setFocus();
}

void AccountDialog::setupSave(const Account &account, const QString &password, bool signIn)
{
    // One save path: the form, filled with what the screens found, saved as "Save" does.
    newAccount();
    showAccount(account);
    m_default->setChecked(m_service->accounts()->list().isEmpty());
    m_password->setText(password);
    // What the sign-in lacks (the client id this build has none of) is asked for first: the
    // form stays filled and unsaved, the client id focused, the message says why.
    if (signIn && !signInPossible(formAccount()))
        return;
    if (!save())
        return; // the form shows why
    if (signIn)
        this->signIn();
}

void AccountDialog::fillList(const QString &select)
{
    const QSignalBlocker block(m_list);
    m_list->clear();
    const QString def = m_service->accounts()->defaultAccount();
    int selectRow = -1;
    for (const Account &a : m_service->accounts()->list()) {
        QString label = a.name;
        if (a.name == def)
            label = tr("%1 (default)").arg(a.name);
        if (m_service->accounts()->isPaused(a.name))
            label += QLatin1Char(' ') + tr("— paused");
        auto *item = new QListWidgetItem(label, m_list);
        item->setData(Qt::UserRole, a.name);
        if (a.name == select)
            selectRow = m_list->count() - 1;
    }
    if (selectRow >= 0)
        m_list->setCurrentRow(selectRow);
}

void AccountDialog::setCommandVisible(bool on)
{
    if (m_useCommand->isChecked() != on) {
        const QSignalBlocker b(m_useCommand);
        m_useCommand->setChecked(on);
    }
    // An OAuth account has no password rows at all.
    const bool oauth = !m_signInWith->currentData().toString().isEmpty();
    m_form->setRowVisible(m_useCommand, !oauth);
    m_form->setRowVisible(m_passwordCommand, on && !oauth);
}

void AccountDialog::showMessage(const QString &text, bool problem)
{
    QPalette pal = palette();
    if (problem)
        pal.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x1c));
    m_message->setPalette(pal);
    m_message->setText(text);
    m_signInProblemShown = false;
    m_message->setVisible(!text.isEmpty());
}

void AccountDialog::newAccount()
{
    showPage(0);
    m_editing.clear();
    {
        const QSignalBlocker b(m_list);
        m_list->clearSelection();
        m_list->setCurrentRow(-1);
    }
    Account a;
    showAccount(a);
    m_name->setReadOnly(false);
    m_remove->setEnabled(false);
    m_default->setChecked(m_service->accounts()->list().isEmpty());
    m_preset->setCurrentIndex(1);
    showMessage({}, false);
    m_name->setFocus();
}

bool AccountDialog::selectAccount(const QString &name)
{
    const auto a = m_service->accounts()->find(name);
    if (!a)
        return false;
    showPage(0);
    m_editing = name;
    showAccount(*a);
    m_name->setReadOnly(true); // the name is the key of its messages and its keychain entry
    m_remove->setEnabled(true);
    m_default->setChecked(m_service->accounts()->defaultAccount() == name);
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->data(Qt::UserRole).toString() == name && m_list->currentRow() != i) {
            const QSignalBlocker b(m_list);
            m_list->setCurrentRow(i);
        }
    }
    const QStringList caps = m_service->accounts()->lastCapabilities(name);
    m_capabilities->setText(caps.isEmpty() ? tr("not known yet (no connection so far)")
                                           : caps.join(QLatin1String(", ")));
    showMessage(m_service->accounts()->isPaused(name)
                    ? tr("Sending from this account is paused. Saving it resumes sending.")
                    : QString(),
                false);
    return true;
}

void AccountDialog::showAccount(const Account &a)
{
    m_name->setText(a.name);
    m_host->setText(a.host);
    m_port->setValue(a.port);
    m_security->setCurrentIndex(m_security->findData(int(a.security)));
    const int authIdx = m_auth->findData(a.auth);
    m_auth->setCurrentIndex(authIdx < 0 ? 0 : authIdx);
    m_user->setText(a.user);
    m_from->setText(a.from);
    m_password->clear();
    m_password->setPlaceholderText(a.name.isEmpty() ? QString() : tr("unchanged"));
    m_passwordCommand->setText(a.passwordCommand);
    setCommandVisible(!a.passwordCommand.isEmpty() || !m_keychainAvailable);
    if (!m_keychainAvailable)
        m_password->setPlaceholderText(tr("only used to test the connection"));
    cancelTest();
    m_testResult->setVisible(false);
    m_certButton->setVisible(false);
    m_certificateResult.reset();
    m_caFile->setText(a.caFile);
    m_pin->setText(a.pinSha256);
    m_allowPlain->setChecked(a.allowPlainAuth);
    m_capabilities->setText(tr("not known yet (no connection so far)"));
    const int signInIdx = m_signInWith->findData(a.oauth.provider);
    m_signInWith->setCurrentIndex(signInIdx < 0 ? 0 : signInIdx);
    m_clientId->setText(a.oauth.clientId);
    m_authorizeUrl->setText(a.oauth.authorizeUrl);
    m_tokenUrl->setText(a.oauth.tokenUrl);
    m_scope->setText(a.oauth.scope);
    m_revokeUrl->setText(a.oauth.revokeUrl);
    m_imapHost->setText(a.imapHost);
    m_imapPort->setValue(a.imapPort);
    m_imapSecurity->setCurrentIndex(std::max(0, m_imapSecurity->findData(int(a.imapSecurity))));
    m_imapPort->setValue(a.imapPort);
    m_imapUser->setText(a.imapUser);
    m_sentFolder->setText(a.sentFolder);
    m_sentCopy->setCurrentIndex(m_sentCopy->findData(int(a.sentCopy)));
    updateSentCopyNote();
    updateSignInRows();
    if (a.security == Security::StartTls && a.port == 587)
        m_preset->setCurrentIndex(1);
    else if (a.security == Security::Tls && a.port == 465)
        m_preset->setCurrentIndex(2);
    else
        m_preset->setCurrentIndex(0);
}

void AccountDialog::applyPreset(int preset)
{
    if (m_preset->currentIndex() != preset)
        m_preset->setCurrentIndex(preset);
    if (preset == 1) {
        m_security->setCurrentIndex(m_security->findData(int(Security::StartTls)));
        m_port->setValue(587);
    } else if (preset == 2) {
        m_security->setCurrentIndex(m_security->findData(int(Security::Tls)));
        m_port->setValue(465);
    }
}

void AccountDialog::securityChanged()
{
    const Security s = Security(m_security->currentData().toInt());
    // Follow the security with the usual port unless the user chose another one.
    if (m_port->value() == 587 || m_port->value() == 465)
        m_port->setValue(Account::defaultPort(s));
    m_preset->setCurrentIndex(s == Security::StartTls && m_port->value() == 587 ? 1
                              : s == Security::Tls && m_port->value() == 465    ? 2
                                                                                : 0);
}

Account AccountDialog::formAccount() const
{
    Account a;
    a.name = m_name->text().trimmed();
    a.host = m_host->text().trimmed();
    a.port = quint16(m_port->value());
    a.security = Security(m_security->currentData().toInt());
    a.auth = m_auth->currentData().toString();
    a.user = m_user->text().trimmed();
    a.from = m_from->text().trimmed();
    a.passwordCommand = m_useCommand->isChecked() ? m_passwordCommand->text().trimmed() : QString();
    a.caFile = m_caFile->text().trimmed();
    a.pinSha256 = m_pin->text().trimmed();
    a.allowPlainAuth = m_allowPlain->isChecked();
    a.imapHost = m_imapHost->text().trimmed();
    a.imapPort = quint16(m_imapPort->value());
    a.imapSecurity = Security(m_imapSecurity->currentData().toInt());
    a.imapUser = m_imapUser->text().trimmed();
    a.sentFolder = m_sentFolder->text().trimmed();
    a.sentCopy = SentCopy(m_sentCopy->currentData().toInt());
    // What the form does not show (the device endpoint, the token store) an edited account keeps.
    if (!m_editing.isEmpty()) {
        if (const std::optional<Account> stored = m_service->accounts()->find(m_editing))
            a.oauth = stored->oauth;
    }
    const QString provider = m_signInWith->currentData().toString();
    if (provider.isEmpty()) {
        a.oauth = AccountOAuth();
        return a;
    }
    const bool custom = provider == QLatin1String("custom");
    if (a.oauth.provider != provider)
        a.oauth = AccountOAuth();
    a.oauth.provider = provider;
    if (a.oauth.clientId != m_clientId->text().trimmed())
        a.oauth.clientSecret.clear(); // a secret belongs to its client id
    a.oauth.clientId = m_clientId->text().trimmed();
    a.oauth.authorizeUrl = custom ? m_authorizeUrl->text().trimmed() : QString();
    a.oauth.tokenUrl = custom ? m_tokenUrl->text().trimmed() : QString();
    a.oauth.scope = custom ? m_scope->text().trimmed() : QString();
    a.oauth.revokeUrl = custom ? m_revokeUrl->text().trimmed() : QString();
    a.passwordCommand.clear();
    if (a.auth != QLatin1String("xoauth2") && a.auth != QLatin1String("oauthbearer")) {
        const std::optional<OAuthProvider> preset = oauthProviderPreset(provider);
        a.auth = preset ? preset->mechanisms.value(0).toLower() : QStringLiteral("xoauth2");
    }
    return a;
}

bool AccountDialog::save()
{
    const Account a = formAccount();
    const QString password = m_password->text();
    AccountStore *store = m_service->accounts();
    QString error = AccountStore::validate(a);
    if (error.isEmpty()) {
        const bool ok = m_editing.isEmpty() ? store->add(a, &error) : store->update(a, &error);
        if (!ok && error.isEmpty())
            error = tr("The account could not be stored.");
    }
    if (!error.isEmpty()) {
        showMessage(tr("The account was not saved: %1").arg(error), true);
        return false;
    }
    if (m_default->isChecked() && store->defaultAccount() != a.name) {
        QString e;
        store->setDefaultAccount(a.name, &e);
    }
    const bool wasPaused = store->isPaused(a.name);
    // Showing the stored account again must not wipe what the user is looking at: the result
    // of the connection test just run for it, and its certificate to trust.
    // A new account (not stored yet) is the same one the form just tested.
    const bool sameAccount = m_editing.isEmpty() || m_editing == a.name;
    const std::optional<SmtpResult> certificate = m_certificateResult;
    const bool resultShown = m_testResult->isVisibleTo(this);
    const QString resultText = m_testResult->text();
    const QPalette resultPalette = m_testResult->palette();
    const QString capabilities = m_capabilities->text();
    m_editing = a.name;
    fillList(a.name);
    selectAccount(a.name);
    if (sameAccount) {
        m_certificateResult = certificate;
        m_certButton->setVisible(certificate.has_value());
        m_testResult->setText(resultText);
        m_testResult->setPalette(resultPalette);
        m_testResult->setVisible(resultShown);
        m_capabilities->setText(capabilities);
    }
    showMessage(tr("Saved."), false);

    m_password->clear();
    if (!password.isEmpty()) {
        QPointer<AccountDialog> self(this);
        Service *service = m_service;
        const QString name = a.name;
        service->credentials()->writePassword(
            name, password,
            [self, service, name, password, wasPaused](bool ok, const QString &why) {
                if (ok) {
                    service->dispatcher()->setCachedPassword(name, password);
                    if (wasPaused)
                        service->resumeAccount(name);
                }
                if (!self)
                    return;
                if (ok) {
                    self->showMessage(tr("Saved. The password is kept in the system keychain."),
                                      false);
                    emit self->passwordStored(name);
                } else {
                    self->showMessage(tr("The account was saved, but the system keychain could not "
                                         "keep the password "
                                         "(%1). You can give a command that prints the password "
                                         "instead, for example "
                                         "“pass show mail/%2”, and save again.")
                                          .arg(why, name),
                                      true);
                    self->setCommandVisible(true);
                    self->m_passwordCommand->setFocus();
                    emit self->passwordFailed(name, why);
                }
            });
    } else if (wasPaused) {
        m_service->resumeAccount(a.name);
    }
    return true;
}

AccountDialog::~AccountDialog()
{
    if (m_test)
        m_test->disconnect(this);
    delete m_signInFlow; // closes the loopback listener; finished() is not emitted
    delete m_signOutJob;
}

bool AccountDialog::isTesting() const
{
    return m_test && m_test->isRunning();
}

void AccountDialog::testConnection()
{
    cancelTest();
    // The form as it is, saved or not (a new account can be tested before saving it).
    const Account a = formAccount();
    m_certButton->setVisible(false);
    m_certificateResult.reset();
    m_testResult->setPalette(palette());
    m_testResult->setVisible(true);
    if (a.host.isEmpty()) {
        m_testResult->setText(tr("Enter the server first."));
        return;
    }
    ConnectionTestOptions o;
    o.credentials = m_service->credentials();
    o.password = m_password->text();
    o.settings = m_service->settings();
    o.oauthTokens = m_service->oauthTokens();
    // Only a stored account's capabilities are recorded (the form may not be saved yet).
    if (!m_editing.isEmpty() && m_editing == a.name)
        o.accounts = m_service->accounts();
    m_test = new ConnectionTest(a, o, this);
    connect(m_test, &ConnectionTest::stageChanged, this, [this](ConnectionTest::Stage st) {
        if (st != ConnectionTest::Stage::Done)
            m_testResult->setText(Words::testStage(st));
    });
    connect(m_test, &ConnectionTest::finished, this,
            [this](const SmtpResult &r, const Capabilities &caps, const QStringList &) {
                testDone(r, caps);
            });
    m_testButton->setEnabled(false);
    m_cancelTest->setVisible(true);
    m_testResult->setText(Words::testStage(ConnectionTest::Stage::Connecting));
    m_test->start();
}

void AccountDialog::cancelTest()
{
    if (m_test && m_test->isRunning())
        m_test->cancel(); // finished() follows at once: testDone() shows "cancelled"
}

void AccountDialog::testDone(const SmtpResult &result, const Capabilities &caps)
{
    ConnectionTest *test = m_test;
    m_test = nullptr;
    const bool cancelled = test && test->wasCancelled();
    const Account tested = test ? test->account() : formAccount();
    if (test)
        test->deleteLater();
    m_testButton->setEnabled(true);
    m_cancelTest->setVisible(false);
    QPalette pal = palette();
    if (!result.ok() && !cancelled)
        pal.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x1c));
    m_testResult->setPalette(pal);
    if (cancelled) {
        m_testResult->setText(tr("Test cancelled."));
    } else {
        m_testResult->setText(Words::connectionTest(result, caps, tested));
    }
    if (result.ok())
        m_capabilities->setText(Words::capabilities(caps));
    if (result.errorClass == ErrorClass::Certificate && !result.certificateChainPem.isEmpty()) {
        m_certificateResult = result;
        m_certButton->setVisible(true);
    }
    emit testFinished(result.ok());
}

void AccountDialog::showCertificate()
{
    if (!m_certificateResult)
        return;
    // A copy: saving shows the stored account again, which may reset the form's state.
    const SmtpResult certificate = *m_certificateResult;
    if (m_editing.isEmpty() || !save()) {
        showMessage(tr("Save the account first, then trust its certificate."), true);
        return;
    }
    Notice n;
    n.kind = Notice::Kind::AccountPaused;
    n.account = m_editing;
    n.result = certificate;
    auto *dlg = new CertificateDialog(m_service, n, this);
    dlg->setObjectName(QStringLiteral("certificateDialog"));
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &QDialog::accepted, this, [this] {
        if (const auto a = m_service->accounts()->find(m_editing))
            m_pin->setText(a->pinSha256);
        m_certButton->setVisible(false);
        showMessage(tr("The certificate is trusted for this account. Test again to check."), false);
    });
    dlg->open();
}

void AccountDialog::removeCurrent(bool confirm)
{
    if (m_editing.isEmpty())
        return;
    const QString name = m_editing;
    auto doRemove = [this, name] {
        // Its waiting messages could never be sent: failed with a reason, never left queued
        // or held with no account (they can be retried once an account of that name exists).
        // The account goes once they are (written by the storage, without waiting here).
        const QString detail = QStringLiteral("the account \"%1\" was removed").arg(name);
        m_service->storage()->write(
            [name, detail](StorageWriter &w) { return w.outbox.failAccount(name, detail); }, this,
            [this, name](int failed) {
                if (failed < 0) {
                    showMessage(
                        tr("The account could not be removed: the outbox could not be written."),
                        true);
                    return;
                }
                QString error;
                const std::optional<Account> removed = m_service->accounts()->find(name);
                if (!m_service->accounts()->remove(name, &error)) {
                    showMessage(tr("The account could not be removed: %1").arg(error), true);
                    return;
                }
                m_service->credentials()->removePassword(name, [](bool, const QString &) {});
                if (removed && removed->oauth.enabled())
                    m_service->oauthTokens()->remove(*removed, [](bool, const QString &) {});
                fillList();
                if (m_list->count() > 0)
                    m_list->setCurrentRow(0);
                else
                    newAccount();
            });
    };
    if (!confirm) {
        doRemove();
        return;
    }
    const int unsent = m_service->outbox()->unsentCount(name);
    const QString text =
        unsent > 0 ? tr("Remove the account %1? %n message(s) not sent yet will be marked failed "
                        "(\"account removed\"); sent messages stay in the outbox.",
                        nullptr, unsent)
                         .arg(name)
                   : tr("Remove the account %1? Its messages stay in the outbox.").arg(name);
    auto *box = new QMessageBox(QMessageBox::Question, tr("Remove account"), text,
                                QMessageBox::Yes | QMessageBox::No, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::No);
    connect(box, &QMessageBox::finished, this, [box, doRemove](int) {
        if (box->standardButton(box->clickedButton()) == QMessageBox::Yes)
            doRemove();
    });
    box->open();
}

void AccountDialog::signInWithChanged()
{
    const QString id = m_signInWith->currentData().toString();
    if (const std::optional<OAuthProvider> preset = oauthProviderPreset(id)) {
        // The provider's submission server comes with it.
        m_host->setText(preset->smtpHost);
        m_security->setCurrentIndex(m_security->findData(int(preset->smtpSecurity)));
        m_port->setValue(preset->smtpPort);
        securityChanged();
        m_auth->setCurrentIndex(m_auth->findData(preset->mechanisms.value(0).toLower()));
    } else if (id == QLatin1String("custom")) {
        const QString auth = m_auth->currentData().toString();
        if (auth != QLatin1String("xoauth2") && auth != QLatin1String("oauthbearer"))
            m_auth->setCurrentIndex(m_auth->findData(QStringLiteral("xoauth2")));
    } else {
        const QString auth = m_auth->currentData().toString();
        if (auth == QLatin1String("xoauth2") || auth == QLatin1String("oauthbearer"))
            m_auth->setCurrentIndex(m_auth->findData(QStringLiteral("auto")));
    }
    // What the sign-in of the former choice lacked is no longer the question.
    if (m_signInProblemShown)
        showMessage({}, false);
    updateSignInRows();
}

void AccountDialog::updateSignInRows()
{
    const QString id = m_signInWith->currentData().toString();
    const bool oauth = !id.isEmpty();
    const bool custom = id == QLatin1String("custom");
    m_form->setRowVisible(m_password, !oauth);
    // No password goes to the server of an OAuth account.
    m_form->setRowVisible(m_allowPlain, !oauth);
    setCommandVisible(!oauth && (m_useCommand->isChecked() || !m_keychainAvailable));
    // Without a keychain a password needs a command; an OAuth sign-in goes to a private file.
    m_keychainNote->setText(
        oauth ? tr("No system keychain is available on this computer (%1), so the sign-in is "
                   "kept in a file only you can read, in Outpost's data folder.")
                    .arg(m_keychainWhy)
              : tr("No system keychain is available on this computer (%1), so Outpost cannot "
                   "keep a password for you. Give a command that prints the password instead, "
                   "for example “pass show mail/work” or “secret-tool lookup mail work”.")
                    .arg(m_keychainWhy));
    m_keychainNote->setVisible(!m_keychainAvailable);
    m_form->setRowVisible(m_clientId, oauth);
    for (QLineEdit *e : {m_authorizeUrl, m_tokenUrl, m_scope, m_revokeUrl})
        m_form->setRowVisible(e, custom);
    m_form->setRowVisible(m_signInRow, oauth);
    const std::optional<OAuthProvider> preset = oauthProviderPreset(id);
    // Outpost has no client id of its own: the build's, or the user's registration.
    m_clientId->setPlaceholderText(
        preset && !preset->clientId.isEmpty()
            ? tr("the one built in (leave empty), or your own")
            : tr("required: your own registration with the provider (see the README)"));
    m_signIn->setText(Words::signInButton(id));
    updateSignInState();
}

void AccountDialog::updateSignInState()
{
    const int generation = ++m_signInStateGeneration;
    const std::optional<Account> stored =
        m_editing.isEmpty() ? std::nullopt : m_service->accounts()->find(m_editing);
    const QString provider = m_signInWith->currentData().toString();
    if (provider.isEmpty())
        return;
    m_cancelSignIn->setVisible(isSigningIn());
    m_signIn->setEnabled(!isSigningIn());
    if (isSigningIn()) {
        m_signOut->setEnabled(false);
        m_signInState->setText(Words::signInState(Words::SignInState::Waiting, {}));
        return;
    }
    if (!stored || !stored->oauth.enabled() || stored->oauth.provider != provider) {
        // Not saved as an OAuth account yet: "Sign in" saves it first.
        m_signOut->setEnabled(false);
        m_signInState->setText(Words::signInState(Words::SignInState::NotSignedIn, {}));
        emit signInStateShown();
        return;
    }
    AccountStore *accounts = m_service->accounts();
    if (accounts->isPaused(stored->name) &&
        accounts->pauseClass(stored->name) == errorClassName(ErrorClass::SignIn)) {
        m_signOut->setEnabled(true); // a dead token may still be kept: Sign out removes it
        m_signInState->setText(Words::signInState(Words::SignInState::SignInAgain, {}));
        emit signInStateShown();
        return;
    }
    m_signOut->setEnabled(false);
    m_signInState->setText(Words::signInState(Words::SignInState::Checking, {}));
    QPointer<AccountDialog> self(this);
    const QString user = stored->user;
    m_service->oauthTokens()->read(
        *stored, [self, generation, user](bool ok, const QString &, const QString &) {
            if (!self || generation != self->m_signInStateGeneration)
                return;
            self->m_signOut->setEnabled(ok);
            self->m_signInState->setText(Words::signInState(
                ok ? Words::SignInState::SignedIn : Words::SignInState::NotSignedIn, user));
            emit self->signInStateShown();
        });
}

bool AccountDialog::signInPossible(const Account &a)
{
    const OAuthProvider provider = oauthProviderForAccount(a);
    const QString problem = oauthProviderProblem(provider);
    if (problem.isEmpty())
        return true;
    showMessage(provider.clientId.isEmpty()
                    ? tr("Enter the client id of your registration with the provider first "
                         "(the README says how to register one).")
                    : tr("This account cannot sign in: %1").arg(problem),
                true);
    m_signInProblemShown = true;
    if (provider.clientId.isEmpty())
        m_clientId->setFocus();
    emit signInFinished(false);
    return false;
}

void AccountDialog::signIn()
{
    if (isSigningIn())
        return;
    const Account form = formAccount();
    if (!form.oauth.enabled())
        return;
    // What the sign-in lacks (a client id, an endpoint) is asked for before anything is saved:
    // an account that cannot sign in would only hold its messages.
    if (!signInPossible(form))
        return;
    std::optional<Account> stored =
        m_editing.isEmpty() ? std::nullopt : m_service->accounts()->find(m_editing);
    if (!stored || !(*stored == form)) {
        if (!save())
            return;
        stored = m_service->accounts()->find(form.name);
        if (!stored)
            return;
    }
    Account a = *stored;
    if (!signInPossible(a))
        return;
    const OAuthProvider provider = oauthProviderForAccount(a);
    if (!m_keychainAvailable && a.oauth.tokenStore != QLatin1String("file")) {
        // No keychain: the weaker choice, said so when the sign-in is kept.
        a.oauth.tokenStore = QStringLiteral("file");
        QString error;
        if (!m_service->accounts()->update(a, &error)) {
            showMessage(tr("The account was not saved: %1").arg(error), true);
            emit signInFinished(false);
            return;
        }
    }
    m_signInFlow = new AuthorizationCodeFlow(provider, oauthHttpOptionsForAccount(a), this);
    m_signInFlow->setLoginHint(a.user);
    m_signInFlow->setPages(Words::signInPage(true), Words::signInPage(false));
    connect(m_signInFlow, &AuthorizationCodeFlow::finished, this,
            [this, a](const OAuthResult &r) { onSignedIn(a, r); });
    showMessage({}, false);
    updateSignInState();
    QPointer<AccountDialog> self(this);
    m_signInFlow->start([self](const QUrl &url) {
        if (!self || self->m_openUrl(url))
            return;
        self->showMessage(tr("No browser could be opened. Open this address in a browser to "
                             "sign in:"),
                          false);
        self->m_signInUrl->setText(url.toString(QUrl::FullyEncoded));
        self->m_signInUrl->setCursorPosition(0);
        self->m_signInUrlRow->setVisible(true);
    });
}

void AccountDialog::cancelSignIn()
{
    if (m_signInFlow)
        m_signInFlow->cancel(); // finished(cancelled) follows
}

void AccountDialog::onSignedIn(const Account &a, const OAuthResult &r)
{
    m_signInFlow->deleteLater();
    m_signInFlow = nullptr;
    // The address is of no use any more: the loopback listener is closed.
    m_signInUrl->clear();
    m_signInUrlRow->setVisible(false);
    updateSignInState();
    if (!r.ok()) {
        if (r.error.code == OAuthErrorCode::Cancelled)
            showMessage(tr("Sign-in cancelled."), false);
        else
            showMessage(tr("Not signed in: %1").arg(Words::signInFailure(r.error, a.name)), true);
        emit signInFinished(false);
        return;
    }
    if (r.tokens.refreshToken.isEmpty()) {
        showMessage(tr("The provider gave no refresh token, so Outpost could not send later "
                       "without you. Check the scopes (offline_access)."),
                    true);
        emit signInFinished(false);
        return;
    }
    QPointer<AccountDialog> self(this);
    Service *service = m_service;
    service->oauthTokens()->write(
        a, r.tokens.refreshToken, [self, service, a](bool ok, const QString &why) {
            if (ok) {
                // The messages held for "sign in again" go now, with a token of this sign-in.
                service->accessTokens()->forget(a.name);
                if (service->accounts()->isPaused(a.name))
                    service->resumeAccount(a.name);
            }
            if (!self)
                return;
            if (!ok) {
                self->showMessage(tr("Signed in, but the sign-in could not be kept: %1").arg(why),
                                  true);
                emit self->signInFinished(false);
                return;
            }
            self->showMessage(a.oauth.tokenStore == QLatin1String("file")
                                  ? tr("Signed in. No system keychain is available, so the sign-in "
                                       "is kept in %1, "
                                       "a file only you can read; a keychain would keep it safer.")
                                        .arg(service->oauthTokens()->filePath(a.name))
                                  : tr("Signed in. The sign-in is kept in the system keychain."),
                              false);
            self->updateSignInState();
            emit self->signInFinished(true);
        });
}

void AccountDialog::signOut()
{
    if (m_signOutJob || m_editing.isEmpty())
        return;
    const std::optional<Account> a = m_service->accounts()->find(m_editing);
    if (!a || !a->oauth.enabled())
        return;
    m_signOut->setEnabled(false);
    m_signOutJob = new OAuthSignOut(*a, m_service->oauthTokens(), this);
    connect(m_signOutJob, &OAuthSignOut::finished, this,
            [this, account = *a](const SignOutResult &r) { onSignedOut(account, r); });
    m_signOutJob->start();
}

void AccountDialog::onSignedOut(const Account &a, const SignOutResult &r)
{
    m_signOutJob->deleteLater();
    m_signOutJob = nullptr;
    // Its next message finds no token and is held as "sign in again".
    if (r.removed())
        m_service->accessTokens()->forget(a.name);
    showMessage(Words::signOut(r, a), r.outcome == SignOutOutcome::RevokeFailed ||
                                          r.outcome == SignOutOutcome::RemoveFailed);
    updateSignInState();
    emit signOutFinished(r.removed());
}

void AccountDialog::updateSentCopyNote()
{
    const Account a = formAccount();
    QString note;
    if (a.imapHost.isEmpty())
        note = tr("No copies: no IMAP server is set.");
    else if (a.sentCopy == SentCopy::Off)
        note = tr("No copies are made.");
    else if (a.sentCopy == SentCopy::On)
        note = tr("Every sent message is copied.");
    else if (sentCopyEffective(a))
        note = tr("Automatic: every sent message is copied (this provider does not keep sent "
                  "mail itself).");
    else
        note = tr("Automatic: no copies, because this provider puts sent mail into the Sent "
                  "folder itself.");
    m_sentCopyNote->setText(note);
}

void AccountDialog::chooseSentFolder()
{
    const Account a = formAccount();
    if (a.imapHost.isEmpty()) {
        showMessage(tr("Enter the IMAP server first."), true);
        m_imapHost->setFocus();
        return;
    }
    if (a.oauth.enabled()) {
        showMessage(tr("For an account that signs in with the browser, type the folder's name "
                       "(Outpost finds the \\Sent folder itself when it is left empty)."),
                    false);
        return;
    }
    if (!m_password->text().isEmpty() || a.effectiveImapUser().isEmpty()) {
        openFolderChooser(a, m_password->text());
        return;
    }
    if (!a.passwordCommand.isEmpty()) {
        showMessage(tr("Type the password once to list the folders (it is not kept unless you "
                       "save it)."),
                    false);
        m_password->setFocus();
        return;
    }
    // The stored password, read without waiting (the keychain may ask the user).
    QPointer<AccountDialog> self(this);
    m_service->credentials()->readPassword(
        m_editing.isEmpty() ? a.name : m_editing,
        [self, a](bool ok, const QString &secret, const QString &) {
            if (!self)
                return;
            if (!ok) {
                self->showMessage(tr("Type the password to list the folders."), true);
                self->m_password->setFocus();
                return;
            }
            self->openFolderChooser(a, secret);
        });
}

void AccountDialog::openFolderChooser(const Account &a, const QString &secret)
{
    auto *chooser = new SentFolderChooser(imapConfigForAccount(a, secret, m_service->settings()),
                                          a.sentFolder, this);
    chooser->setObjectName(QStringLiteral("sentFolderChooser"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    connect(chooser, &QDialog::accepted, this, [this, chooser] {
        if (!chooser->chosen().isEmpty())
            m_sentFolder->setText(chooser->chosen());
    });
    chooser->open();
    emit folderChooserOpened(chooser);
}

} // namespace outpost::ui
