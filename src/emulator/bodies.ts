/** Request bodies as MODE accepts them: JSON, web forms and multipart forms (text fields only). */
import express, { type RequestHandler } from 'express';
import multer from 'multer';
import { ModeError } from './errors';

const limit = '1mb';

/** Multipart text fields; a file part, too many fields or a broken form is invalid input. */
function multipartFields(): RequestHandler {
  const upload = multer({ limits: { fields: 100, fieldSize: 1024 * 1024, files: 0 } }).none();
  return (req, res, next) => {
    upload(req, res, (error: unknown) => {
      if (error) return next(new ModeError(400, 'INVALID_INPUT', `multipart body refused: ${String(error)}`));
      // multer builds a null-prototype object; a plain one logs and compares like the other encodings.
      if (req.is('multipart/form-data')) req.body = { ...(req.body as object) };
      next();
    });
  };
}

export function bodyParsers(): RequestHandler[] {
  return [express.json({ limit }), express.urlencoded({ extended: false, limit }), multipartFields()];
}
