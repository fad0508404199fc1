DROP TABLE comment_signals;
