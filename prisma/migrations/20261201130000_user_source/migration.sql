-- CreateEnum
CREATE TYPE "UserSource" AS ENUM ('registration', 'invitation', 'import', 'legacy_auth');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "source" "UserSource" NOT NULL DEFAULT 'registration';

-- AlterTable: IF NOT EXISTS because the account lifecycle work (e-mail verification) may add the
-- same column in a migration of its own.
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email_verified_at" TIMESTAMPTZ(3);

-- Existing accounts: imported ones are known from the audit log, invited ones from their invitations.
UPDATE "users" SET "source" = 'import'
  WHERE "id"::text IN (SELECT "target_id" FROM "audit_log" WHERE "action" = 'admin.user.import' AND "target_id" IS NOT NULL);
UPDATE "users" SET "source" = 'invitation'
  WHERE "source" = 'registration' AND EXISTS (SELECT 1 FROM "invitations" WHERE "invitations"."user_id" = "users"."id");
