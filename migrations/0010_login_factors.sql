-- Issue 21: the sessions list shows which logins used a second factor. NULL: one factor
-- (a password, or a passkey without user verification); otherwise what the second one was:
-- 'totp' (an authenticator app's code), 'recovery_code', or 'user_verification' (a passkey
-- checked with user verification is two factors by itself: the device and its PIN/biometric).
ALTER TABLE refresh_families ADD COLUMN second_factor TEXT;
ALTER TABLE sessions ADD COLUMN second_factor TEXT;
