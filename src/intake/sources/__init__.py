"""Where mail comes from: files and folders, a Maildir, an IMAP mailbox."""
