# CertPortal's web, worker and beat image. docker-compose.yml runs it three ways.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production

WORKDIR /app

RUN useradd --system --create-home --uid 10001 --user-group certportal

# Requirements first, so that a code change does not reinstall every package.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic runs in production mode, which needs every secret. These values
# live only for this command and never reach the image's environment.
RUN SECRET_KEY=collectstatic-only \
    ALLOWED_HOSTS=localhost \
    PRIVATE_KEY_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --no-input \
    && mkdir -p var/media \
    && chown -R certportal:certportal var

USER certportal

EXPOSE 8000

# Inside the container gunicorn listens on every interface so that the published
# port reaches it; docker-compose.yml publishes it on the host's 127.0.0.1 only.
# WEB_CONCURRENCY sets the number of gunicorn workers.
CMD ["gunicorn", "certportal.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--timeout", "60", \
     "--graceful-timeout", "30"]
