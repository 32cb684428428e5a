-- CreateEnum
CREATE TYPE "UserSource" AS ENUM ('registration', 'invitation', 'import', 'legacy_auth');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "source" "UserSource" NOT NULL DEFAULT 'registration';

-- AlterTable: IF NOT EXISTS because e-mail verification (the account lifecycle migration) adds
-- the same column; whichever runs first creates it.
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email_verified" BOOLEAN NOT NULL DEFAULT false;

-- Existing accounts: imported ones are known from the audit log, invited ones from their invitations.
UPDATE "users" SET "source" = 'import'
  WHERE "id"::text IN (SELECT "target_id" FROM "audit_log" WHERE "action" = 'admin.user.import' AND "target_id" IS NOT NULL);
UPDATE "users" SET "source" = 'invitation'
  WHERE "source" = 'registration' AND EXISTS (SELECT 1 FROM "invitations" WHERE "invitations"."user_id" = "users"."id");
