import type { NextFunction, Request, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { UserWithLink } from '../users/users.repository';
import type { AuthService } from './auth.service';

// Email and password login through passport-local, on a Passport instance of this app's
// own (no global state, no sessions: the answer is a token pair).

export function createLocalAuthenticator(auth: AuthService) {
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', session: false, passReqToCallback: true }, (req, email, password, done) => {
      auth.verifyCredentials(email, password, { ip: req.ip }).then((user) => done(null, user), done);
    }),
  );
  return (req: Request, res: Response, next: NextFunction): Promise<UserWithLink> =>
    new Promise((resolve, reject) => {
      passport.authenticate('local', { session: false }, (error: unknown, user: UserWithLink | false) => {
        if (error) return reject(error);
        if (!user) return reject(new Error('passport-local gave no user'));
        resolve(user);
      })(req, res, next);
    });
}
