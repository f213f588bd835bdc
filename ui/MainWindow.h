#pragma once

#include "OutboxModel.h"
#include "outbox/Notice.h"
#include "outbox/Service.h"

#include <QHash>
#include <QMainWindow>
#include <QSet>
#include <QTimer>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace outpost::ui {

/// The main window (design.md §5): the outbox table with its filter and search box, the
/// actions on messages
/// (send queued now, retry, hold, release, delete, export .eml, details), the protocol log
/// panel, a banner for paused accounts and a status bar with connectivity, pool sessions and
/// counts. .eml files dropped on it are queued for the default account.
///
/// Closing: with closeToTray set the window only hides (Outpost keeps sending from the tray);
/// otherwise it asks whether to quit and emits quitRequested() on yes.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(Service *service, QWidget *parent = nullptr);

    OutboxModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QPlainTextEdit *logView() const { return m_log; }
    QComboBox *filterCombo() const { return m_filter; }
    /// The search box: filters the table by recipients and subject as the user types, once
    /// typing pauses for kSearchDelayMs (OutboxModel::setSearch()).
    QLineEdit *searchEdit() const { return m_search; }
    static constexpr int kSearchDelayMs = 200;

    /// Shared actions (the tray menu uses the same objects).
    QAction *newMessageAction() const { return m_newMessage; }
    QAction *replyToFileAction() const { return m_replyToFile; }
    QAction *sendNowAction() const { return m_sendNow; }
    QAction *retryAction() const { return m_retry; }
    QAction *holdAction() const { return m_hold; }
    QAction *releaseAction() const { return m_release; }
    QAction *deleteAction() const { return m_delete; }
    QAction *exportAction() const { return m_export; }
    QAction *detailsAction() const { return m_details; }
    QAction *editAction() const { return m_edit; }
    /// "Start at login" (File menu): checked when Autostart::isEnabled(); toggling writes or
    /// removes the entry and says so when that fails.
    QAction *startAtLoginAction() const { return m_startAtLogin; }
    QAction *workOfflineAction() const { return m_workOffline; }
    QAction *accountsAction() const { return m_accounts; }
    QAction *quitAction() const { return m_quit; }

    /// Ids of the selected messages, in table order.
    QList<qint64> selectedIds() const;
    /// Selects the row of a message (and makes it current); false when it is not shown.
    bool selectMessage(qint64 id);
    /// Writes a message's stored bytes to `path` atomically (QSaveFile); false with *error.
    bool exportMessage(qint64 id, const QString &path, QString *error);
    /// Queues .eml files for the default account; returns how many were queued. Problems are
    /// shown to the user and returned in *errors.
    int enqueueEmlFiles(const QStringList &paths, QStringList *errors = nullptr);
    /// The texts of the status bar, for tests: connectivity, pool, counts.
    QString connectivityText() const;
    QString poolText() const;
    QString countsText() const;
    /// Records why an account was paused (from its Notice), for the banner.
    void setPauseReason(const Notice &notice);
    /// Shows (or, with a StorageError of kind None, hides) the banner that says the disk
    /// holding the outbox is full (words::diskFull()): at start when the outbox opened only
    /// thanks to the reserve, and whenever a write fails for want of room.
    void setDiskFull(const StorageError &problem);
    /// The disk-full banner's text ("" while hidden), for tests.
    QString diskFullText() const;
    /// Whether closing the window only hides it (a tray icon exists).
    void setCloseToTray(bool on) { m_closeToTray = on; }
    /// The next close really closes (used when quitting).
    void setQuitting(bool on) { m_quitting = on; }

signals:
    void composeRequested();
    /// "Reply to message file…" chose this .eml file.
    void replyToFileRequested(const QString &path);
    /// "Edit (back to draft)" on a queued, held, failed or draft message (or a double click
    /// on a draft): the app takes it back and opens it in a compose window.
    void editRequested(qint64 id);
    void accountsRequested();
    void quitRequested();
    /// The user asks to fix a paused account (from the banner).
    void fixAccountRequested(const QString &account);
    /// The window was hidden by closing it while a tray icon exists.
    void hiddenToTray();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createMenusAndToolbar();
    void updateActions();
    void updateStatus();
    void updateBanner();
    void scheduleStatus();
    /// Applies a user action to the selected messages (written by the storage), then reports
    /// what was refused, or how many it was applied to, as `what`.
    void applyToSelection(Service::UserAction action, const QString &what);
    void exportSelected();
    /// Delete: asks, then withdraws the selected messages not sent yet as `outpost cancel`
    /// does (OutboxWriter::cancel); sent messages are never removed (their record stays).
    void deleteSelected();
    void showDetails();
    void showError(const QString &title, const QString &text);

    Service *m_service;
    OutboxModel *m_model;
    QTableView *m_table;
    QPlainTextEdit *m_log;
    QComboBox *m_filter;
    QLabel *m_diskFull; ///< the disk-full banner
    QLineEdit *m_search;
    QTimer m_searchTimer;
    QWidget *m_banner;
    QLabel *m_bannerText;
    QPushButton *m_bannerFix;
    QPushButton *m_bannerResume;
    QString m_bannerAccount;
    QLabel *m_connectivityLabel;
    QLabel *m_poolLabel;
    QLabel *m_countsLabel;
    QStringList m_pendingLog; ///< protocol log lines not in the panel yet
    QTimer m_logTimer;
    static constexpr int kLogBatchMs = 100;
    QTimer m_statusTimer;
    QHash<QString, Notice> m_pauseReasons;
    bool m_closeToTray = false;
    bool m_quitting = false;
    bool m_asking = false;
    QSet<quint64> m_emlTickets; ///< dropped .eml files being written (Service tickets)

    QAction *m_newMessage = nullptr;
    QAction *m_replyToFile = nullptr;
    QAction *m_sendNow = nullptr;
    QAction *m_retry = nullptr;
    QAction *m_hold = nullptr;
    QAction *m_release = nullptr;
    QAction *m_delete = nullptr;
    QAction *m_export = nullptr;
    QAction *m_details = nullptr;
    QAction *m_edit = nullptr;
    QAction *m_startAtLogin = nullptr;
    QAction *m_workOffline = nullptr;
    QAction *m_accounts = nullptr;
    QAction *m_quit = nullptr;
    QAction *m_showLog = nullptr;
};

} // namespace outpost::ui
