# builder/templates/django.Dockerfile: a Django app (BASE_IMAGE: PLATFORM_BASE_IMAGE_PYTHON)
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}
ARG PORT=8080
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORT=${PORT}
WORKDIR /app
COPY . .
RUN if [ -f requirements.txt ]; then pip install -r requirements.txt; elif [ -f pyproject.toml ]; then pip install .; fi && pip install gunicorn
EXPOSE ${PORT}
CMD ["sh", "-c", "exec gunicorn --bind \"0.0.0.0:$PORT\" \"$(basename \"$(dirname \"$(ls */wsgi.py | head -n1)\")\").wsgi\""]
